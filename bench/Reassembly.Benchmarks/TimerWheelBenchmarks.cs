using BenchmarkDotNet.Attributes;
using Reassembly.Memory;
using Reassembly.Timers;

namespace Reassembly.Benchmarks;

/// <summary>
/// The timer wheel on a fragment-queue workload: 65,536 timers with deadlines 1 to 30,000 ticks ahead (30 s at 1 ms),
/// either all cancelled (datagrams that complete, the common case) or all fired (a flood that times out), against
/// .NET's binary heap (<see cref="PriorityQueue{TElement, TPriority}"/>, which cannot cancel in O(log n) at all).
/// Figures are per timer (OperationsPerInvoke); also one memory charge plus release, uncontended.
/// </summary>
[MemoryDiagnoser]
public class TimerWheelBenchmarks
{
    private const int TimerCount = 1 << 16;

    private TimerWheel<Owner> _wheel = null!;
    private TimerWheelEntry<Owner>[] _entries = [];
    private long[] _ahead = [];
    private PriorityQueue<Owner, long> _heap = null!;
    private MemoryAccountant _accountant = null!;
    private NamespaceAccount _account = null!;
    private long _now;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _wheel = new TimerWheel<Owner>(0);
        _entries = new TimerWheelEntry<Owner>[TimerCount];
        _ahead = new long[TimerCount];
        for (int i = 0; i < TimerCount; i++)
        {
            _entries[i] = new TimerWheelEntry<Owner>(new Owner());
            _ahead[i] = random.Next(1, 30_001);
        }

        _heap = new PriorityQueue<Owner, long>(TimerCount);
        _accountant = new MemoryAccountant(new MemoryLimits());
        _account = _accountant.CreateAccount("bench");
    }

    [Benchmark(OperationsPerInvoke = TimerCount)]
    public int WheelArmThenCancel()
    {
        for (int i = 0; i < _entries.Length; i++)
        {
            _wheel.Arm(_entries[i], _now + _ahead[i]);
        }

        int cancelled = 0;
        for (int i = 0; i < _entries.Length; i++)
        {
            cancelled += _wheel.Cancel(_entries[i]) ? 1 : 0;
        }

        return cancelled;
    }

    [Benchmark(OperationsPerInvoke = TimerCount)]
    public int WheelArmThenFire()
    {
        for (int i = 0; i < _entries.Length; i++)
        {
            _wheel.Arm(_entries[i], _now + _ahead[i]);
        }

        // Advance in 1 ms steps, as a worker would.
        var counter = new Counter();
        long end = _now + 30_000;
        while (_now < end)
        {
            _now++;
            _wheel.Advance(_now, ref counter);
        }

        return counter.Count;
    }

    [Benchmark(OperationsPerInvoke = TimerCount)]
    public int HeapEnqueueThenDequeueAll()
    {
        for (int i = 0; i < _entries.Length; i++)
        {
            _heap.Enqueue(_entries[i].Owner, _now + _ahead[i]);
        }

        int fired = 0;
        while (_heap.TryDequeue(out _, out _))
        {
            fired++;
        }

        return fired;
    }

    [Benchmark(OperationsPerInvoke = TimerCount)]
    public long ChargeThenRelease()
    {
        for (int i = 0; i < TimerCount; i++)
        {
            _accountant.TryCharge(_account, 9_208);
            _accountant.Release(_account, 9_208);
        }

        return _account.UsedBytes;
    }

    /// <summary>What a timer times; the benchmark needs only its identity.</summary>
    public sealed class Owner;

    private struct Counter : ITimerWheelVisitor<Owner>
    {
        public int Count;

        public void OnExpired(TimerWheelEntry<Owner> entry) => Count++;
    }
}
