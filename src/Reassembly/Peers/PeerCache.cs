using System.Buffers.Binary;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace Reassembly.Peers;

/// <summary>
/// A worker's set-associative front cache over the shared <see cref="PeerTable"/>: the peers its recent queues used,
/// each pinned by one reference of the cache's own, so that a new queue from a recent source finds its peer with a
/// tag compare and one compare-and-swap instead of a walk down the AVL tree (some fifteen dependent cache misses for
/// ten thousand sources) and, when the queue lets go, an LRU relink under the table's lock.
/// </summary>
/// <remarks>
/// <para>Why pinning makes the lock-free read safe: a peer is collected (and later recycled as another key) only once
/// its reference count is 0, and a cached peer's count never drops below the cache's own reference. So a cached peer
/// keeps its key for as long as it is cached, and no epoch read scope or re-validation is needed to trust it.</para>
/// <para>Layout: <see cref="Ways"/> entries per set, most recently filled first; each entry is a 32-bit tag (the high
/// half of the key's hash, never 0, so 0 marks an empty way) beside the peer. The tags of a set share one 16-byte
/// line, so a miss costs one load and a hit dereferences only the peer that matched. The hash is keyed with a random
/// secret per cache, so a sender cannot aim sources at one set (they could only make the cache miss, and then the
/// tree answers).</para>
/// <para>Invariants: an entry has a peer exactly when its tag is non-zero; every cached peer carries exactly one
/// reference of the cache's, taken when it was stored and given back when it is displaced or the cache is cleared;
/// a peer's tag is its key's. The cache is single-owner (one worker's thread), so it needs no synchronization.</para>
/// <para>Admission: a source is cached on its second sighting, known either from the tree (its peer is still there) or
/// from a direct-mapped array of tags (two per set) of sources seen once (the peer was collected since). A
/// flood of sources that each appear once only overwrites ghosts, and is never cached.</para>
/// <para>Cost of the pin: at most <see cref="Capacity"/> peers per worker (<see cref="MaxCapacity"/> with one worker)
/// are kept from idle collection while they are cached; the table's own threshold and TTL still bound everything else.
/// A displaced peer is released as a queue releases it, and ages out normally from then on.</para>
/// </remarks>
internal sealed class PeerCache
{
    /// <summary>Entries per set.</summary>
    public const int Ways = 4;

    /// <summary>The most sets a cache has (a power of two): one worker sees every source.</summary>
    public const int MaxSets = 8192;

    /// <summary>The fewest sets a cache has (a power of two), however many workers share the sources.</summary>
    public const int MinSets = 1024;

    /// <summary>Peers the largest cache holds (and pins) at most.</summary>
    public const int MaxCapacity = MaxSets * Ways;

    private readonly PeerTable _table;
    private readonly int _setMask;
    private readonly int _ghostMask;
    private readonly uint[] _tags;
    private readonly Peer?[] _peers;

    // Tags of sources seen once and not admitted, direct-mapped (see Fill): the memory of a first sighting that outlives
    // the peer itself, which the table may collect before the source sends again.
    private readonly uint[] _ghosts;
    private readonly ulong _secret = NewSecret();

    /// <summary>A cache of <paramref name="sets"/> sets (a power of two) over <paramref name="table"/>.</summary>
    public PeerCache(PeerTable table, int sets = MaxSets)
    {
        if (sets < 1 || !BitOperations.IsPow2(sets))
        {
            throw new ArgumentOutOfRangeException(nameof(sets), sets, "a power of two is needed");
        }

        _table = table;
        _setMask = sets - 1;
        _tags = new uint[sets * Ways];
        _peers = new Peer?[sets * Ways];

        // Two first sightings remembered per set: 64 KiB of tags at the most sets.
        _ghosts = new uint[sets * 2];
        _ghostMask = _ghosts.Length - 1;
    }

    /// <summary>Peers this cache holds (and pins) at most.</summary>
    public int Capacity => _tags.Length;

    /// <summary>
    /// The sets for a worker of <paramref name="workers"/>: steering gives each worker about 1/workers of the sources, so
    /// each gets as much less room. A worker's cache is read once per datagram and stays in its core's cache only while it
    /// is small; eight workers with the most sets each would hold eight times the lines for the same sources.
    /// </summary>
    public static int SetsFor(int workers) =>
        Math.Max(MinSets, MaxSets / (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(workers, 1)));

    /// <summary>
    /// Returns the peer for <paramref name="key"/> with a reference for the caller (give it back with
    /// <see cref="PeerTable.Release"/>), from the cache when it is there, else from the table (and then cached).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Peer Acquire(in PeerKey key, long nowNanoseconds)
    {
        ulong hash = key.Hash(_secret);
        uint tag = (uint)(hash >> 32) | 1;
        int first = (int)(hash & (uint)_setMask) * Ways;
        uint[] tags = _tags;
        for (int way = first; way < first + Ways; way++)
        {
            if (tags[way] == tag && _peers[way] is { } cached && cached.Key == key)
            {
                // Pinned by the cache's reference, so it cannot be Dead and the acquire cannot fail.
                bool acquired = cached.TryAcquire();
                Debug.Assert(acquired, "a cached peer is pinned");
                cached.Touch(nowNanoseconds);
                return cached;
            }
        }

        return Fill(first, tag, hash, in key, nowNanoseconds);
    }

    /// <summary>Gives back every pinned reference (the engine is being reset).</summary>
    public void Clear(long nowNanoseconds)
    {
        for (int i = 0; i < _tags.Length; i++)
        {
            if (_peers[i] is { } peer)
            {
                _peers[i] = null;
                _tags[i] = 0;
                _table.Release(peer, nowNanoseconds);
            }
        }

        Array.Clear(_ghosts);
    }

    private Peer Fill(int first, uint tag, ulong hash, in PeerKey key, long nowNanoseconds)
    {
        Peer peer = _table.GetOrCreate(in key, nowNanoseconds, out bool created);
        if (created)
        {
            // Admitted on the second sighting only. A source seen once (every address of a spoofed flood) would push
            // out a peer that is used again, pin a tree node that should be collected as soon as its queue goes, and
            // cost a release under the table's lock when it is displaced. A real source's next datagram finds its peer
            // in the tree, or, when the table has collected it meanwhile (more idle sources than MaxIdle between two of
            // its datagrams, as with ten thousand hosts), finds its tag among the ghosts: either way it is cached then.
            // Without the ghosts such a source would be created anew for every datagram, a tree insert and an eviction
            // each time, and never cached.
            ref uint ghost = ref _ghosts[(int)(hash >> 8) & _ghostMask];
            if (ghost != tag)
            {
                ghost = tag;
                return peer;
            }

            ghost = 0;
        }

        // The caller's reference keeps the peer alive, so the cache's own acquire cannot fail either.
        bool pinned = peer.TryAcquire();
        Debug.Assert(pinned, "a peer the caller holds is not Dead");

        // The set's least recently filled way goes; the others move down one, the new peer takes the first way.
        int last = first + Ways - 1;
        Peer? displaced = _peers[last];
        for (int way = last; way > first; way--)
        {
            _tags[way] = _tags[way - 1];
            _peers[way] = _peers[way - 1];
        }

        _tags[first] = tag;
        _peers[first] = peer;
        if (displaced is not null)
        {
            _table.Release(displaced, nowNanoseconds);
        }

        return peer;
    }

    private static ulong NewSecret()
    {
        Span<byte> bytes = stackalloc byte[sizeof(ulong)];
        RandomNumberGenerator.Fill(bytes);
        return BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    }
}
