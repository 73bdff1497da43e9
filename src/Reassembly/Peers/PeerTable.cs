using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using Reassembly.Concurrency;

namespace Reassembly.Peers;

/*
 * Theory of operations.
 *
 * One entry per (namespace, source address) that has sent us fragments: the peer's IP-ID distance counter, which
 * outlives any one fragment queue (see FragmentDistance). Fragment queues hold references to their peer; a peer with
 * no references is idle, sits on an LRU list, and is removed by Collect once it has been idle longer than the TTL,
 * or least recently used first while the table is above its threshold or holds more idle peers than MaxIdle (an idle
 * peer carries nothing a live queue depends on; see PeerTableOptions.MaxIdle).
 *
 * Why a balanced tree and not a hash. The keys are source addresses, which the sender chooses. A hash table with a
 * guessable hash lets an attacker pile every peer into one bucket and turn each lookup into a list walk; Linux chose
 * an AVL tree for inetpeer for exactly this reason ("to prevent easy and efficient DoS attacks by creating hash
 * collisions"). A tree has no bad keys: a lookup is at most about 1.44 log2(n) comparisons whatever the addresses,
 * and needs no secret. (Linux later moved to a red-black tree; an AVL tree is shallower, which suits a
 * read-mostly table, and its rotations are as easy to make safe for lock-free readers.)
 *
 * Concurrency: a seqlock (after the 3.x inetpeer). Writers (insert, remove, rebalance) hold _gate and bump the
 * sequence (_readers.Sequence) to odd before and to even after changing links. Readers take no lock: they walk the
 * tree with Volatile.Read on every link, at most MaxWalkDepth steps. A hit is always right (keys are immutable while a node
 * is reachable, and a peer is claimed as Dead before it is unlinked). A miss is only believed if the sequence was
 * even and unchanged across the walk; otherwise a rotation may have moved the key out of the reader's path, and
 * the reader looks again under _gate. The depth bound stops a reader that concurrent rotations keep sending in
 * circles; in a tree that is not changing it is never reached.
 *
 * Memory: nodes are pooled (PeerPool). A removed node keeps its links, because a reader may be standing on it, and
 * is retired through the EpochDomain (the kernel's call_rcu); the pool gets it back, poisoned, only after every
 * read scope that was open at retirement has closed. So inside a read scope a peer obtained from the table is never
 * recycled under the reader: it may be removed, but its key, links and counter stay those of its current life.
 * GetOrCreate's lock-free path runs inside a read scope for that reason (the peer it acquires cannot turn into
 * another key between the walk and the increment); Lookup expects its caller to hold one.
 *
 * Who may touch which field:
 *   root, Peer links (left, right), Height           write: _gate held, inside the seqlock write section;
 *                                                    read: anyone (Volatile.Read), trusted only as described above
 *   _count, _lruHead/_lruTail/_lruLength, Peer LRU  _gate
 *   Peer key                                         written only while the node is unreachable (Initialize)
 *   Peer reference count                             Interlocked by anyone; 1 -> 0 (Release) and 0 -> -1 (Collect)
 *                                                    only under _gate, so "count 0" means "on the LRU list"
 *   Peer fragment sequence                           the worker the source steers to, holding a reference (plain)
 *   Peer last-used time                              Volatile by reference holders and by Release under _gate
 *
 * Invariants (checked by AssertInvariants in PeerTable.TestHooks.cs, under _gate):
 *   1. BST order: an in-order walk gives strictly increasing keys (so a key is in the tree at most once).
 *   2. AVL balance: for every node |height(left) - height(right)| <= 1.
 *   3. Stored heights are right: Height == 1 + max(height(left), height(right)), height(null) == 0.
 *   4. _count equals the number of nodes reachable from the root.
 *   5. Every reachable peer has a reference count >= 0 (Dead peers are never reachable).
 *   6. Every reachable peer with count 0 is on the LRU list exactly once; every peer on the list is reachable; the
 *      list's forward and backward links agree, and _lruLength is its length. The list may also hold peers that were
 *      acquired without the lock since they went idle (count > 0): acquiring must not take the lock, so they leave
 *      the list lazily, when Collect passes them or when their last reference is dropped.
 */

/// <summary>
/// The inetpeer table: an AVL tree of <see cref="Peer"/>s keyed by <see cref="PeerKey"/>, with lock-free lookups,
/// reference-counted entries and least-recently-used collection of idle peers. See the theory of operations above.
/// </summary>
internal sealed partial class PeerTable : IDisposable
{
    /// <summary>
    /// The longest walk a lock-free reader makes before it gives up and asks under the lock. An AVL tree of n nodes
    /// is at most 1.44 log2(n + 2) high, 46 for 2^31 nodes, so only a reader misled by concurrent rotations gets here.
    /// </summary>
    internal const int MaxWalkDepth = 64;

    // Upper bound of the evictions an insertion does itself when the table is above its threshold: more than one so
    // that a table above the threshold shrinks while it is used, few enough to keep the insert's lock hold short.
    private const int EvictionsPerInsert = 2;

    // Peers evicted by inserts between two polls of the epoch domain: about 100 KB of peers waiting at most, one
    // reclaim (the domain's retire lock and a scan of its slots) per thousand spoofed sources instead of per 64.
    internal const int EvictionsPerPoll = 1024;

    private readonly Lock _gate = new();
    private readonly PeerTableOptions _options;
    private readonly EpochDomain _epochs;
    private readonly PeerPool _pool = new();
    private int _evictedSincePoll;
    // What every lock-free reader loads first, on lines of their own: the fields below are written on every last
    // release (the LRU ends) and insertion (_count), and must not evict the root and the sequence from readers' caches.
    private ReaderFields _readers;
    private int _count;
    private Peer? _lruHead;
    private Peer? _lruTail;
    // Peers on the LRU list: the idle ones, plus any acquired lock-free since they went idle (invariant 6).
    private int _lruLength;
    private bool _disposed;

    /// <summary>Creates an empty table whose removed nodes wait for grace periods of <paramref name="epochs"/>.</summary>
    public PeerTable(PeerTableOptions options, EpochDomain epochs)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(epochs);
        _options = options;
        _epochs = epochs;
    }

    /// <summary>The options the table was created with (the fragment path reads <see cref="PeerTableOptions.MaxDistance"/>).</summary>
    public PeerTableOptions Options => _options;

    /// <summary>The number of peers in the tree, referenced or idle.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// Finds the peer for <paramref name="key"/> without taking a reference. Lock-free, except that a miss seen
    /// while a writer was running is confirmed under the lock.
    /// </summary>
    /// <remarks>
    /// Call inside a read scope of the table's <see cref="EpochDomain"/> (<see cref="EpochDomain.EnterRead"/>) and use
    /// the result only until the scope ends: without a reference the peer may be collected at any moment, and the
    /// scope is what keeps it from being recycled as another key meanwhile. To keep a peer, take a reference with
    /// <see cref="GetOrCreate(in PeerKey, long)"/>.
    /// </remarks>
    public Peer? Lookup(in PeerKey key)
    {
        int sequence = _readers.Sequence.ReadBegin();
        Peer? peer = Walk(in key);
        if (peer is not null && !peer.IsClaimed)
        {
            return peer;
        }

        // A miss, or a peer the collector has claimed (a replacement may already be in the tree): either is the
        // answer only if no writer ran during the walk.
        if (!_readers.Sequence.ReadRetry(sequence))
        {
            return null;
        }

        lock (_gate)
        {
            return FindLocked(in key);
        }
    }

    /// <summary>
    /// Returns the peer for <paramref name="key"/>, created if absent, with its reference count raised; give the
    /// reference back with <see cref="Release"/>. An existing, live peer is found and acquired without the lock.
    /// </summary>
    public Peer GetOrCreate(in PeerKey key, long nowNanoseconds) => GetOrCreate(in key, nowNanoseconds, out _);

    /// <summary>
    /// <see cref="GetOrCreate(in PeerKey, long)"/>, saying whether the peer is new: a source seen for the first time
    /// (<paramref name="created"/> true), which a front cache need not keep until it shows up again.
    /// </summary>
    public Peer GetOrCreate(in PeerKey key, long nowNanoseconds, out bool created)
    {
        int sequence;
        bool missed;
        using (_epochs.EnterRead())
        {
            // Inside the scope a found node cannot be recycled before TryAcquire, so the count we raise is this key's.
            sequence = _readers.Sequence.ReadBegin();
            Peer? found = Walk(in key);
            if (found is not null && found.TryAcquire())
            {
                found.Touch(nowNanoseconds);
                created = false;
                return found;
            }

            missed = found is null;
        }

        Peer fresh;
        bool evicted;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            DebugAssertInvariants();

            // A clean miss stands if no write section has begun since the walk started: keys enter and leave the tree
            // only inside one, so the second walk under the lock (a dozen or more cache misses in a flooded table)
            // would find nothing either. This is what keeps a spoofed-source flood at one lock-free walk per source.
            Peer? existing = missed && !_readers.Sequence.ReadRetry(sequence) ? null : FindLocked(in key);
            if (existing is not null)
            {
                // Under _gate a reachable peer is never Dead (invariant 5), so this cannot resurrect one.
                bool acquired = existing.TryAcquire();
                Debug.Assert(acquired, "a reachable peer is never Dead");
                existing.Touch(nowNanoseconds);
                created = false;
                return existing;
            }

            fresh = RentNode();
            fresh.Initialize(in key, nowNanoseconds);
            _readers.Sequence.WriteBegin();
            SetRoot(Insert(_readers.Root, fresh));
            _readers.Sequence.WriteEnd();
            _count++;
            if (IsOverLimitLocked)
            {
                _evictedSincePoll += EvictLocked(nowNanoseconds, EvictionsPerInsert);
            }

            evicted = _evictedSincePoll >= EvictionsPerPoll;
            if (evicted)
            {
                _evictedSincePoll = 0;
            }
            DebugAssertInvariants();
        }

        if (evicted)
        {
            // A spoofed-source flood evicts a peer per insert, far more than the once-a-second Collect reclaims: take
            // retired peers back every EvictionsPerPoll, or they pile up for the whole second and the pool allocates
            // anew (memory growing with the flood). Forced, because unforced the domain reclaims only once 64 objects
            // wait or 10 ms have passed. Outside _gate, as in Collect.
            _epochs.Poll(force: true);
        }

        created = true;
        return fresh;
    }

    /// <summary>
    /// Gives back a reference taken by <see cref="GetOrCreate(in PeerKey, long)"/>. The last reference makes the peer idle: it goes to
    /// the most recently used end of the LRU list, stamped with <paramref name="nowNanoseconds"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The peer has no reference to give back.</exception>
    public void Release(Peer peer, long nowNanoseconds)
    {
        ArgumentNullException.ThrowIfNull(peer);

        // Stamped while we still hold our reference: once it is dropped the peer may be collected and recycled.
        peer.Touch(nowNanoseconds);
        if (peer.TryReleaseShared())
        {
            return;
        }

        // Possibly the last reference: 1 -> 0 happens only under _gate, so that Collect never sees an idle peer that
        // is not on the list yet (invariant 6).
        lock (_gate)
        {
            int remaining = peer.ReleaseLocked();
            if (remaining > 0)
            {
                // A lock-free acquirer took a reference between our check and the lock.
                return;
            }

            if (remaining < 0)
            {
                // Two racing over-releases: undo ours so the peer is not left looking Dead while reachable.
                peer.UndoReleaseLocked();
                throw new InvalidOperationException($"Peer {peer.Key} released more often than acquired.");
            }

            LruMoveToTail(peer);
            DebugAssertInvariants();
        }
    }

    /// <summary>
    /// Removes idle peers, least recently used first: every one idle for at least the TTL, and however young while
    /// the table is above its threshold. Referenced peers are never removed. Returns the number removed.
    /// </summary>
    /// <remarks>
    /// The walk stops at the first idle peer that is young enough once the table is within its threshold: the list is
    /// in release order, which is time order when callers pass a clock that does not go back.
    /// Afterwards it polls the epoch domain, so that retired peers come back to the pool once their grace period is
    /// over. Poll never waits; called inside a read scope it only cannot reclaim what that scope still protects.
    /// </remarks>
    public int Collect(long nowNanoseconds)
    {
        int removed;
        lock (_gate)
        {
            if (_disposed)
            {
                return 0;
            }

            DebugAssertInvariants();
            removed = EvictLocked(nowNanoseconds, int.MaxValue);
            DebugAssertInvariants();
        }

        // Outside _gate: reclamation takes the pool's lock and must not hold up writers.
        _epochs.Poll();
        return removed;
    }

    /// <summary>Empties the table. Peers still referenced stay valid objects but are no longer in any table.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _readers.Sequence.WriteBegin();
            SetRoot(null);
            _readers.Sequence.WriteEnd();
            _count = 0;
            _lruHead = null;
            _lruTail = null;
            _lruLength = 0;
        }
    }

    /// <summary>
    /// The lock-free descent. Every link is loaded with Volatile.Read (acquire; pairs with the Volatile.Write in
    /// Peer.SetLeft/SetRight and in SetRoot, PeerTable.Avl.cs), so a node's key is seen as initialised, and the
    /// closing sequence read in <see cref="SequenceCounter.ReadRetry"/> cannot move before any of the link reads.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Peer? Walk(in PeerKey key)
    {
        Peer? node = Volatile.Read(ref _readers.Root);
        for (int depth = 0; node is not null && depth < MaxWalkDepth; depth++)
        {
            // One three-way comparison and a branch per level. Measured against an equality test followed by a
            // branch-free choice of side (PeerKey flag arithmetic indexing the child pair): the branchy walk was
            // about 15 % faster on 10,000 peers, because a predicted branch lets the CPU start loading the next node
            // before the comparison resolves, while the branch-free one waits for every comparison.
            int order = key.CompareTo(node.KeyReference);
            if (order == 0)
            {
                return node;
            }

            node = order < 0 ? node.Left : node.Right;
        }

        return null;
    }

    /// <summary>The locked descent: exact, because no writer can run.</summary>
    private Peer? FindLocked(in PeerKey key)
    {
        Peer? node = _readers.Root;
        while (node is not null)
        {
            int order = key.CompareTo(node.Key);
            if (order == 0)
            {
                return node;
            }

            node = order < 0 ? node.Left : node.Right;
        }

        return null;
    }

    /// <summary>
    /// Removes idle peers from the LRU head: expired ones, and any while above the threshold, at most
    /// <paramref name="budget"/>. _gate held.
    /// </summary>
    private int EvictLocked(long nowNanoseconds, int budget)
    {
        long ttl = _options.IdleTimeToLiveNanoseconds;
        int removed = 0;
        Peer? peer = _lruHead;
        while (peer is not null && removed < budget)
        {
            Peer? next = peer.LruNext;
            if (peer.ReferenceCount != 0)
            {
                // Acquired without the lock since it went idle: not idle any more, leaves the list now (invariant 6).
                LruUnlink(peer);
                peer = next;
                continue;
            }

            if (!IsOverLimitLocked && nowNanoseconds - peer.LastUsedNanoseconds < ttl)
            {
                break;
            }

            if (!peer.TryClaimIdle())
            {
                // A lock-free acquirer won the race for the count; the peer is in use.
                LruUnlink(peer);
                peer = next;
                continue;
            }

            LruUnlink(peer);
            PeerKey key = peer.Key;
            _readers.Sequence.WriteBegin();
            SetRoot(Remove(_readers.Root, in key));
            _readers.Sequence.WriteEnd();
            _count--;
            RetireLocked(peer);
            removed++;
            peer = next;
        }

        return removed;
    }

    /// <summary>Above the threshold, or holding more idle peers than <see cref="PeerTableOptions.MaxIdle"/>. _gate held.</summary>
    private bool IsOverLimitLocked => _count > _options.Threshold || _lruLength > _options.MaxIdle;

    private void LruMoveToTail(Peer peer)
    {
        if (peer.InLru)
        {
            LruUnlink(peer);
        }

        peer.LruPrevious = _lruTail;
        peer.LruNext = null;
        if (_lruTail is null)
        {
            _lruHead = peer;
        }
        else
        {
            _lruTail.LruNext = peer;
        }

        _lruTail = peer;
        peer.InLru = true;
        _lruLength++;
    }

    private void LruUnlink(Peer peer)
    {
        Debug.Assert(peer.InLru, "only a listed peer is unlinked");
        if (peer.LruPrevious is null)
        {
            _lruHead = peer.LruNext;
        }
        else
        {
            peer.LruPrevious.LruNext = peer.LruNext;
        }

        if (peer.LruNext is null)
        {
            _lruTail = peer.LruPrevious;
        }
        else
        {
            peer.LruNext.LruPrevious = peer.LruPrevious;
        }

        peer.LruPrevious = null;
        peer.LruNext = null;
        peer.InLru = false;
        _lruLength--;
    }

    private Peer RentNode() => _pool.Rent();

    /// <summary>
    /// Hands an unlinked peer to the epoch domain; the pool gets it back after the grace period (the kernel's
    /// call_rcu(&amp;p->rcu, inetpeer_free_rcu)). Its links stay as they were for readers still standing on it.
    /// </summary>
    private void RetireLocked(Peer peer)
    {
        Debug.Assert(peer.ReferenceCount == Peer.Dead, "only claimed peers leave the tree");
        _epochs.Retire(peer, _pool);
    }

    /// <summary>The root and the seqlock, padded to sit alone on their cache lines (see CacheLinePadded).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 2 * CacheLinePadded.CacheLineBytes)]
    private struct ReaderFields
    {
        /// <summary>The tree's root: Volatile.Read by readers, written with SetRoot under _gate.</summary>
        [FieldOffset(CacheLinePadded.CacheLineBytes)]
        public Peer? Root;

        /// <summary>The seqlock over every link of the tree.</summary>
        [FieldOffset(CacheLinePadded.CacheLineBytes + 8)]
        public SequenceCounter Sequence;
    }
}
