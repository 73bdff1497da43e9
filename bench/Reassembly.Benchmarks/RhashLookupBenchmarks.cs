using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using Reassembly.Concurrency;
using Reassembly.Core;

namespace Reassembly.Benchmarks;

/// <summary>
/// Lookups of fragment keys, hit and miss, in our RhashTable and in a ConcurrentDictionary holding the same entries,
/// on one thread and on two (both threads do every lookup; the reported time is per lookup of one thread). The
/// "InScope" rows add the epoch read section an owner that recycles entries wraps around each lookup; the "Read" rows
/// read the entry found, as a caller does next.
/// </summary>
[MemoryDiagnoser]
public class RhashLookupBenchmarks
{
    private const int Keys = 16_384;

    private RhashTable<FragmentKey, BenchEntry> _table = null!;
    private ConcurrentDictionary<FragmentKey, BenchEntry> _dictionary = null!;
    private EpochDomain _domain = null!;
    private FragmentKey[] _hits = [];
    private FragmentKey[] _misses = [];
    private TwoThreads _pair = null!;
    private Func<int> _rhashHits = null!;
    private Func<int> _dictionaryHits = null!;
    private Func<int> _rhashMisses = null!;
    private Func<int> _dictionaryMisses = null!;

    [GlobalSetup]
    public void Setup()
    {
        FragmentKey[] keys = BenchKeys.Build(Keys, salt: 0);
        _hits = BenchKeys.Shuffled(keys, seed: 1);
        _misses = BenchKeys.Build(Keys, salt: 1);
        _table = new RhashTable<FragmentKey, BenchEntry>();
        _dictionary = new ConcurrentDictionary<FragmentKey, BenchEntry>();
        foreach (BenchEntry entry in BenchKeys.Entries(keys))
        {
            _table.InsertIfAbsent(entry);
            _dictionary.TryAdd(entry.Key, entry);
        }

        _table.CompleteRehash();
        _domain = new EpochDomain();
        _pair = new TwoThreads();
        _rhashHits = () => LookupLoops.Find(_table, _hits);
        _dictionaryHits = () => LookupLoops.Find(_dictionary, _hits);
        _rhashMisses = () => LookupLoops.Find(_table, _misses);
        _dictionaryMisses = () => LookupLoops.Find(_dictionary, _misses);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _pair.Dispose();
        _domain.Dispose();
    }

    [Benchmark(OperationsPerInvoke = Keys)]
    public int RhashHit() => LookupLoops.Find(_table, _hits);

    [Benchmark(OperationsPerInvoke = Keys)]
    public int RhashMiss() => LookupLoops.Find(_table, _misses);

    [Benchmark(OperationsPerInvoke = Keys)]
    public int RhashHitInScope()
    {
        int found = 0;
        foreach (FragmentKey key in _hits)
        {
            using (_domain.EnterRead())
            {
                if (_table.Lookup(in key) is not null)
                {
                    found++;
                }
            }
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = Keys, Baseline = true)]
    public int DictionaryHit() => LookupLoops.Find(_dictionary, _hits);

    /// <summary>A hit and then a read of the entry found, as every caller does next (the table's entry is the object itself).</summary>
    [Benchmark(OperationsPerInvoke = Keys)]
    public int RhashHitRead() => LookupLoops.FindThenRead(_table, _hits);

    /// <summary>A hit and then a read of the value found, which is one reference further than the dictionary's node.</summary>
    [Benchmark(OperationsPerInvoke = Keys)]
    public int DictionaryHitRead() => LookupLoops.FindThenRead(_dictionary, _hits);

    [Benchmark(OperationsPerInvoke = Keys)]
    public int DictionaryMiss() => LookupLoops.Find(_dictionary, _misses);

    /// <summary>Two threads, each looking up every key once (per-operation time is for one thread's lookup).</summary>
    [Benchmark(OperationsPerInvoke = Keys)]
    public void RhashHitTwoThreads() => _pair.Run(_rhashHits);

    [Benchmark(OperationsPerInvoke = Keys)]
    public void DictionaryHitTwoThreads() => _pair.Run(_dictionaryHits);

    [Benchmark(OperationsPerInvoke = Keys)]
    public void RhashMissTwoThreads() => _pair.Run(_rhashMisses);

    [Benchmark(OperationsPerInvoke = Keys)]
    public void DictionaryMissTwoThreads() => _pair.Run(_dictionaryMisses);
}
