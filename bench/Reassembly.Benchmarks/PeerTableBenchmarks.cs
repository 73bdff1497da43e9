using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using Reassembly.Concurrency;
using Reassembly.Peers;

namespace Reassembly.Benchmarks;

/// <summary>
/// Peer lookups on a table of 10,000 peers (IPv4 and IPv6, four namespaces), every lookup a hit, keys in a random
/// order: our AVL <see cref="PeerTable"/> against a lock-protected <see cref="SortedDictionary{TKey, TValue}"/> (the
/// same tree shape with a lock) and against <see cref="ConcurrentDictionary{TKey, TValue}"/> (a hash, lock-free
/// reads, but open to collision flooding; see PeerTable.cs). With <see cref="Threads"/> = 2 the threads share the
/// 65,536 lookups of an invocation and look up at once; the figure is wall time per lookup, so perfect scaling halves it.
/// </summary>
[MemoryDiagnoser]
public class PeerTableBenchmarks
{
    private const int PeerCount = 10_000;
    private const int LookupsPerInvoke = 1 << 16;

    private readonly Lock _sortedGate = new();
    private PeerKey[] _keys = [];
    private int[][] _orders = [];
    private EpochDomain _epochs = null!;
    private PeerTable _table = null!;
    private SortedDictionary<PeerKey, Peer> _sorted = null!;
    private ConcurrentDictionary<PeerKey, Peer> _concurrent = null!;
    private Action[] _peerTableWork = [];
    private Action[] _peerTableOneScopeWork = [];
    private Action[] _sortedWork = [];
    private Action[] _concurrentWork = [];
    private Action[] _getOrCreateWork = [];

    /// <summary>How many threads look up at once (the machine has two cores).</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var unique = new HashSet<PeerKey>();
        while (unique.Count < PeerCount)
        {
            int space = random.Next(4);
            if (random.Next(5) == 0)
            {
                byte[] address = new byte[16];
                random.NextBytes(address);
                unique.Add(PeerKey.ForIpv6(space, address));
            }
            else
            {
                unique.Add(PeerKey.ForIpv4(space, (uint)random.NextInt64(0, 1L << 32)));
            }
        }

        _keys = [.. unique];
        _epochs = new EpochDomain();
        _table = new PeerTable(new PeerTableOptions { Threshold = PeerCount * 2, IdleTimeToLive = TimeSpan.FromDays(1) }, _epochs);
        _sorted = new SortedDictionary<PeerKey, Peer>();
        _concurrent = new ConcurrentDictionary<PeerKey, Peer>();
        foreach (PeerKey key in _keys)
        {
            // The reference is kept, as a fragment queue keeps it, so the GetOrCreate/Release pair stays lock-free.
            Peer peer = _table.GetOrCreate(key, 0);
            _sorted.Add(key, peer);
            _concurrent.TryAdd(key, peer);
        }

        _orders = new int[Threads][];
        for (int t = 0; t < Threads; t++)
        {
            _orders[t] = new int[LookupsPerInvoke / Threads];
            for (int i = 0; i < _orders[t].Length; i++)
            {
                _orders[t][i] = random.Next(PeerCount);
            }
        }

        _peerTableWork = Bind(PeerTableLookups);
        _peerTableOneScopeWork = Bind(PeerTableLookupsInOneScope);
        _sortedWork = Bind(SortedLookups);
        _concurrentWork = Bind(ConcurrentLookups);
        _getOrCreateWork = Bind(PeerTableGetOrCreateRelease);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _table.Dispose();
        _epochs.Dispose();
    }

    /// <summary>PeerTable.Lookup, each inside its own epoch read scope (the scope the caller must hold).</summary>
    [Benchmark(OperationsPerInvoke = LookupsPerInvoke)]
    public void PeerTableLookup() => Run(_peerTableWork);

    /// <summary>PeerTable.Lookup with one read scope around all of a thread's lookups: the cost of the walk alone.</summary>
    [Benchmark(OperationsPerInvoke = LookupsPerInvoke)]
    public void PeerTableLookupOneScope() => Run(_peerTableOneScopeWork);

    /// <summary>GetOrCreate of an existing peer and its Release: what a fragment queue does, lock-free when the peer is referenced.</summary>
    [Benchmark(OperationsPerInvoke = LookupsPerInvoke)]
    public void PeerTableGetOrCreateRelease() => Run(_getOrCreateWork);

    /// <summary>SortedDictionary.TryGetValue under a lock.</summary>
    [Benchmark(OperationsPerInvoke = LookupsPerInvoke, Baseline = true)]
    public void LockedSortedDictionary() => Run(_sortedWork);

    /// <summary>ConcurrentDictionary.TryGetValue.</summary>
    [Benchmark(OperationsPerInvoke = LookupsPerInvoke)]
    public void ConcurrentDictionaryLookup() => Run(_concurrentWork);

    // The threads share the invocation's lookups, so the column is wall time per lookup of the whole run.
    private static void Run(Action[] work)
    {
        if (work.Length == 1)
        {
            work[0]();
        }
        else
        {
            Parallel.Invoke(work);
        }
    }

    private Action[] Bind(Func<int[], long> body)
    {
        var work = new Action[Threads];
        for (int t = 0; t < Threads; t++)
        {
            int[] order = _orders[t];
            work[t] = () => Sink(body(order));
        }

        return work;
    }

    private long PeerTableLookups(int[] order)
    {
        long sum = 0;
        foreach (int index in order)
        {
            using (_epochs.EnterRead())
            {
                sum += _table.Lookup(_keys[index])!.Key.NamespaceId;
            }
        }

        return sum;
    }

    private long PeerTableLookupsInOneScope(int[] order)
    {
        long sum = 0;
        using (_epochs.EnterRead())
        {
            foreach (int index in order)
            {
                sum += _table.Lookup(_keys[index])!.Key.NamespaceId;
            }
        }

        return sum;
    }

    private long PeerTableGetOrCreateRelease(int[] order)
    {
        long sum = 0;
        foreach (int index in order)
        {
            Peer peer = _table.GetOrCreate(_keys[index], 1);
            sum += peer.Key.NamespaceId;
            _table.Release(peer, 1);
        }

        return sum;
    }

    private long SortedLookups(int[] order)
    {
        long sum = 0;
        foreach (int index in order)
        {
            lock (_sortedGate)
            {
                _sorted.TryGetValue(_keys[index], out Peer? peer);
                sum += peer!.Key.NamespaceId;
            }
        }

        return sum;
    }

    private long ConcurrentLookups(int[] order)
    {
        long sum = 0;
        foreach (int index in order)
        {
            _concurrent.TryGetValue(_keys[index], out Peer? peer);
            sum += peer!.Key.NamespaceId;
        }

        return sum;
    }

    private static long s_sink;

    private static void Sink(long value) => Interlocked.Add(ref s_sink, value);
}
