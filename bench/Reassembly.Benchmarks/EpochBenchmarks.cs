using BenchmarkDotNet.Attributes;
using Reassembly.Concurrency;

namespace Reassembly.Benchmarks;

/// <summary>
/// The read side and the write side of <see cref="EpochDomain"/>. "EnterExit" is a reader's section (its outermost enter
/// an interlocked exchange on the thread's own slot); the "WithReaderFence" rows add one more full fence inside, about
/// what the exchange costs over the plain store of the earlier design, whose writer side paid a process-wide barrier
/// per reclaimed batch instead (the MemoryBarrierProcessWide row, kept for that comparison). Synchronize is a grace
/// period as a writer waits for one.
/// </summary>
[MemoryDiagnoser]
public class EpochBenchmarks
{
    private const int Sections = 1024;

    private readonly object[] _items = Enumerable.Range(0, Sections).Select(_ => new object()).ToArray();
    private readonly NullReclaimer _reclaimer = new();
    private readonly long[] _scratch = new long[8 * 8 * 64];
    private EpochDomain _domain = null!;

    [GlobalSetup]
    public void Setup()
    {
        _domain = new EpochDomain();
        RetireAndReclaim();
    }

    [GlobalCleanup]
    public void Cleanup() => _domain.Dispose();

    [Benchmark(OperationsPerInvoke = Sections, Baseline = true)]
    public void EnterExit()
    {
        EpochDomain domain = _domain;
        for (int i = 0; i < Sections; i++)
        {
            using (domain.EnterRead())
            {
            }
        }
    }

    [Benchmark(OperationsPerInvoke = Sections)]
    public void EnterExitNested()
    {
        EpochDomain domain = _domain;
        using (domain.EnterRead())
        {
            for (int i = 0; i < Sections; i++)
            {
                using (domain.EnterRead())
                {
                }
            }
        }
    }

    [Benchmark(OperationsPerInvoke = Sections)]
    public void EnterExitWithReaderFence()
    {
        EpochDomain domain = _domain;
        for (int i = 0; i < Sections; i++)
        {
            using (domain.EnterRead())
            {
                Interlocked.MemoryBarrier();
            }
        }
    }

    /// <summary>Each section follows eight stores to distinct cache lines, as a lookup follows a fragment copy.</summary>
    [Benchmark(OperationsPerInvoke = Sections)]
    public void EnterExitAfterStores()
    {
        EpochDomain domain = _domain;
        long[] scratch = _scratch;
        for (int i = 0; i < Sections; i++)
        {
            Store(scratch, i);
            using (domain.EnterRead())
            {
            }
        }
    }

    [Benchmark(OperationsPerInvoke = Sections)]
    public void EnterExitWithReaderFenceAfterStores()
    {
        EpochDomain domain = _domain;
        long[] scratch = _scratch;
        for (int i = 0; i < Sections; i++)
        {
            Store(scratch, i);
            using (domain.EnterRead())
            {
                Interlocked.MemoryBarrier();
            }
        }
    }

    [Benchmark(OperationsPerInvoke = Sections)]
    public void PollWithNothingPending()
    {
        EpochDomain domain = _domain;
        for (int i = 0; i < Sections; i++)
        {
            domain.Poll();
        }
    }

    /// <summary>Retire 1024 objects, then one Synchronize reclaims them: the per-object share of both.</summary>
    [Benchmark(OperationsPerInvoke = Sections)]
    public void RetireAndReclaim()
    {
        EpochDomain domain = _domain;
        foreach (object item in _items)
        {
            domain.Retire(item, _reclaimer);
        }

        domain.Synchronize();
    }

    [Benchmark]
    public void MemoryBarrierProcessWide() => Interlocked.MemoryBarrierProcessWide();

    [Benchmark]
    public void SynchronizeWithNoReader() => _domain.Synchronize();

    private static void Store(long[] scratch, int i)
    {
        int line = (i & 63) * 64;
        for (int j = 0; j < 64; j += 8)
        {
            scratch[line + j] = i;
        }
    }

    private sealed class NullReclaimer : IEpochReclaimer
    {
        public void Reclaim(object item)
        {
        }
    }
}
