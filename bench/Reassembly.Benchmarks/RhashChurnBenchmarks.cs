using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using Reassembly.Concurrency;
using Reassembly.Core;

namespace Reassembly.Benchmarks;

/// <summary>
/// Steady-state churn, as fragment queues come and go: the population stays at 8192 entries per thread, and each step
/// removes the oldest entry, inserts a new one and looks up a live one. No resize happens in either structure, so this
/// is the per-operation cost of the tables themselves (the mixed benchmark adds the resizes). Time is per operation of
/// one thread (three operations a step).
/// </summary>
[MemoryDiagnoser]
public class RhashChurnBenchmarks
{
    private const int Population = 8192;
    private const int Steps = Population;
    private const int Operations = Steps * 3;

    private readonly BenchEntry[][] _entries = new BenchEntry[2][];
    private readonly int[] _next = new int[2];
    private RhashTable<FragmentKey, BenchEntry> _table = null!;
    private ConcurrentDictionary<FragmentKey, BenchEntry> _dictionary = null!;
    private TwoThreads _pair = null!;
    private Func<int> _rhashFirst = null!;
    private Func<int> _rhashSecond = null!;
    private Func<int> _dictionaryFirst = null!;
    private Func<int> _dictionarySecond = null!;

    [GlobalSetup]
    public void Setup()
    {
        // Two rings of twice the population: at any time half of each ring is in the tables.
        FragmentKey[] keys = BenchKeys.Build(Population * 4, salt: 0);
        _table = new RhashTable<FragmentKey, BenchEntry>(initialBuckets: 64, minBuckets: 64);
        _dictionary = new ConcurrentDictionary<FragmentKey, BenchEntry>();
        for (int t = 0; t < 2; t++)
        {
            _entries[t] = keys.Skip(t * Population * 2).Take(Population * 2).Select(k => new BenchEntry(k)).ToArray();
            for (int i = 0; i < Population; i++)
            {
                _table.InsertIfAbsent(_entries[t][i]);
                _dictionary.TryAdd(_entries[t][i].Key, _entries[t][i]);
            }

            _next[t] = Population;
        }

        _table.CompleteRehash();
        _pair = new TwoThreads();
        _rhashFirst = () => Rhash(0);
        _rhashSecond = () => Rhash(1);
        _dictionaryFirst = () => Dictionary(0);
        _dictionarySecond = () => Dictionary(1);
    }

    [GlobalCleanup]
    public void Cleanup() => _pair.Dispose();

    [Benchmark(OperationsPerInvoke = Operations)]
    public int RhashOneThread() => Rhash(0);

    [Benchmark(OperationsPerInvoke = Operations, Baseline = true)]
    public int DictionaryOneThread() => Dictionary(0);

    [Benchmark(OperationsPerInvoke = Operations)]
    public void RhashTwoThreads() => _pair.Run(_rhashSecond, _rhashFirst);

    [Benchmark(OperationsPerInvoke = Operations)]
    public void DictionaryTwoThreads() => _pair.Run(_dictionarySecond, _dictionaryFirst);

    private int Rhash(int ring)
    {
        BenchEntry[] entries = _entries[ring];
        int mask = entries.Length - 1;
        int next = _next[ring];
        int found = 0;
        for (int step = 0; step < Steps; step++, next++)
        {
            _table.Remove(entries[(next - Population) & mask]);
            _table.InsertIfAbsent(entries[next & mask]);
            if (_table.Lookup(entries[(next - (Population / 2)) & mask].Key) is not null)
            {
                found++;
            }
        }

        _next[ring] = next;
        return found;
    }

    private int Dictionary(int ring)
    {
        BenchEntry[] entries = _entries[ring];
        int mask = entries.Length - 1;
        int next = _next[ring];
        int found = 0;
        for (int step = 0; step < Steps; step++, next++)
        {
            _dictionary.TryRemove(entries[(next - Population) & mask].Key, out _);
            BenchEntry entry = entries[next & mask];
            _dictionary.TryAdd(entry.Key, entry);
            if (_dictionary.TryGetValue(entries[(next - (Population / 2)) & mask].Key, out _))
            {
                found++;
            }
        }

        _next[ring] = next;
        return found;
    }
}
