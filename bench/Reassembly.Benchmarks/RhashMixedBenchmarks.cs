using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using Reassembly.Concurrency;
using Reassembly.Core;

namespace Reassembly.Benchmarks;

/// <summary>
/// Mixed inserts, lookups and removals that make the table grow from its minimum to 16K buckets and shrink back on
/// every invocation (so resizes run all the time), against a ConcurrentDictionary doing the same operations. One thread,
/// or two threads on disjoint key ranges of one shared table. Time is per operation of one thread.
/// </summary>
/// <remarks>ConcurrentDictionary never shrinks and allocates a node per add; our table shrinks and allocates nothing.</remarks>
[MemoryDiagnoser]
public class RhashMixedBenchmarks
{
    private const int KeysPerThread = 8192;
    private const int Operations = KeysPerThread * 4; // insert, lookup of a present key, lookup of a removed key, remove

    private readonly BenchEntry[][] _entries = new BenchEntry[2][];
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
        FragmentKey[] keys = BenchKeys.Build(KeysPerThread * 2, salt: 0);
        for (int t = 0; t < 2; t++)
        {
            _entries[t] = keys.Skip(t * KeysPerThread).Take(KeysPerThread).Select(k => new BenchEntry(k)).ToArray();
        }

        _table = new RhashTable<FragmentKey, BenchEntry>(initialBuckets: 64, minBuckets: 64);
        _dictionary = new ConcurrentDictionary<FragmentKey, BenchEntry>();
        _pair = new TwoThreads();
        _rhashFirst = () => Rhash(_entries[0]);
        _rhashSecond = () => Rhash(_entries[1]);
        _dictionaryFirst = () => Dictionary(_dictionary, _entries[0]);
        _dictionarySecond = () => Dictionary(_dictionary, _entries[1]);
    }

    [GlobalCleanup]
    public void Cleanup() => _pair.Dispose();

    [Benchmark(OperationsPerInvoke = Operations)]
    public int RhashOneThread() => Rhash(_entries[0]);

    [Benchmark(OperationsPerInvoke = Operations, Baseline = true)]
    public int DictionaryOneThread() => Dictionary(_dictionary, _entries[0]);

    /// <summary>
    /// A new dictionary for each invocation, grown from its initial size through every size again, as our table grows on
    /// every invocation. The like-for-like row for "with resizes": a ConcurrentDictionary never shrinks, and
    /// <see cref="ConcurrentDictionary{TKey, TValue}.Clear"/> of an empty one keeps its buckets, so replacing it is its
    /// only way back to a small table (the old one is then garbage, which this row pays for too).
    /// </summary>
    [Benchmark(OperationsPerInvoke = Operations)]
    public int DictionaryFreshOneThread() => Dictionary(new ConcurrentDictionary<FragmentKey, BenchEntry>(), _entries[0]);

    [Benchmark(OperationsPerInvoke = Operations)]
    public void RhashTwoThreads() => _pair.Run(_rhashSecond, _rhashFirst);

    [Benchmark(OperationsPerInvoke = Operations)]
    public void DictionaryTwoThreads() => _pair.Run(_dictionarySecond, _dictionaryFirst);

    private int Rhash(BenchEntry[] entries)
    {
        RhashTable<FragmentKey, BenchEntry> table = _table;
        int found = 0;
        for (int i = 0; i < entries.Length; i++)
        {
            table.InsertIfAbsent(entries[i]);
            if (table.Lookup(entries[i >> 1].Key) is not null)
            {
                found++;
            }
        }

        for (int i = 0; i < entries.Length; i++)
        {
            table.Remove(entries[i]);
            if (table.Lookup(entries[i].Key) is not null)
            {
                found++;
            }
        }

        return found;
    }

    private static int Dictionary(ConcurrentDictionary<FragmentKey, BenchEntry> dictionary, BenchEntry[] entries)
    {
        int found = 0;
        for (int i = 0; i < entries.Length; i++)
        {
            dictionary.TryAdd(entries[i].Key, entries[i]);
            if (dictionary.TryGetValue(entries[i >> 1].Key, out _))
            {
                found++;
            }
        }

        for (int i = 0; i < entries.Length; i++)
        {
            dictionary.TryRemove(entries[i].Key, out _);
            if (dictionary.TryGetValue(entries[i].Key, out _))
            {
                found++;
            }
        }

        return found;
    }
}
