using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;

namespace Reassembly.Peers;

/// <summary>
/// Long-lived state about one peer (Linux's <c>struct inet_peer</c>): today the IP-ID distance counter that tells a
/// fragment queue how many fragments the peer has sent since the queue last grew (<see cref="FragmentDistance"/>).
/// </summary>
/// <remarks>
/// A peer is also its own tree node (the link fields are in <c>Peer.Links.cs</c>) and is recycled through a pool, so
/// an object reference is only meaningful while the holder either owns a reference count (from
/// <see cref="PeerTable.GetOrCreate(in PeerKey, long)"/>, given back with <see cref="PeerTable.Release"/>) or stays
/// inside a read scope of the table's epoch domain. Who may touch which field is listed in the header of <c>PeerTable.cs</c>.
/// </remarks>
internal sealed partial class Peer
{
    // Reference count: -1 marks a peer that the collector has claimed (it is leaving the tree and must not be
    // acquired again); 0 an idle peer on the LRU list; > 0 the number of holders.
    internal const int Dead = -1;

    private int _refCount;
    private int _fragmentSequence;
    private long _lastUsed;

    // Recycling state, for the poison-on-free checks: set by Poison when the grace period is over, cleared by
    // Revive when the pool hands the node out again; the generation counts the node's lives.
    private int _reclaimed;
    private int _generation;

    /// <summary>The peer's identity; fixed for as long as the peer is in the table.</summary>
    public PeerKey Key => _tree.Key;

    /// <summary>When the peer was last acquired or released, in the caller's nanosecond clock.</summary>
    public long LastUsedNanoseconds => Volatile.Read(ref _lastUsed);

    /// <summary>
    /// Counts one more fragment from this peer and returns the new count (Linux's <c>atomic_inc_return(&amp;p->rid)</c>).
    /// The counter wraps; compare values only through <see cref="FragmentDistance.IsTooFar"/>.
    /// </summary>
    /// <remarks>
    /// A plain increment, not Linux's atomic one: the counter belongs to the one worker that the peer's source steers
    /// to (<see cref="ClassifiedFrame.SteeringHash"/> is a function of namespace and source, the engine's threading
    /// contract), as the per-peer memory state in Peer.Memory.cs does. A node that changes hands through the pool does so
    /// through the epoch domain and the pool's lock, which order the last owner's writes before the next owner's. The
    /// locked instruction cost about 5-10 % of the engine's time (A/B, w200k): it waited for the store buffer to drain
    /// the previous fragment's copy. A caller that breaks the steering contract can only lose counts, which shortens a
    /// distance; it cannot corrupt anything.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int NextFragmentSequence() => ++_fragmentSequence;

    /// <summary>The current reference count (<see cref="Dead"/> once collected); a snapshot for tests and checks.</summary>
    internal int ReferenceCount => Volatile.Read(ref _refCount);

    /// <summary>Gives a pooled or new node its identity before it is published in the tree. Table lock held.</summary>
    internal void Initialize(in PeerKey key, long nowNanoseconds)
    {
        Debug.Assert(Left is null && Right is null && !InLru, "a node enters the tree unlinked");
        Debug.Assert(HeldBytes == 0 && OldestQueue is null && NewestQueue is null, "a recycled peer holds no queue's memory");
        _tree.Key = key;
        _tree.Claimed = false;
        _fragmentSequence = 0;
        _lastUsed = nowNanoseconds;
        Height = 1;
        // Published by the Volatile.Write of the parent link that makes this node reachable (PeerTable.Avl.cs).
        _refCount = 1;
    }

    /// <summary>
    /// Takes a reference unless the collector has claimed the peer (Linux's <c>refcount_inc_not_zero</c>, with -1 as
    /// the "gone" value so that 0 can mean idle). Safe without the table lock.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryAcquire()
    {
        int current = Volatile.Read(ref _refCount);
        while (current != Dead)
        {
            // Interlocked: races with other acquirers, with Release and with the collector's 0 -> -1 claim.
            int seen = Interlocked.CompareExchange(ref _refCount, current + 1, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }

    /// <summary>Drops a reference when others remain. Returns false when the caller holds the last one.</summary>
    internal bool TryReleaseShared()
    {
        int current = Volatile.Read(ref _refCount);
        while (current > 1)
        {
            int seen = Interlocked.CompareExchange(ref _refCount, current - 1, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        if (current < 1)
        {
            throw new InvalidOperationException($"Peer {Key} released more often than acquired.");
        }

        return false;
    }

    /// <summary>Drops a reference that may be the last one; returns the new count. Table lock held.</summary>
    internal int ReleaseLocked() => Interlocked.Decrement(ref _refCount);

    /// <summary>Reverts a <see cref="ReleaseLocked"/> that went below zero (a caller bug). Table lock held.</summary>
    internal void UndoReleaseLocked() => Interlocked.Increment(ref _refCount);

    /// <summary>Claims an idle peer for removal (0 -> -1). Table lock held; fails if a lock-free acquirer won.</summary>
    internal bool TryClaimIdle()
    {
        if (Interlocked.CompareExchange(ref _refCount, Dead, 0) != 0)
        {
            return false;
        }

        // After the count, so that a reader that sees the flag would also see Dead; pairs with Volatile.Read in
        // IsClaimed. The node is still reachable until the collector unlinks it, right after.
        Volatile.Write(ref _tree.Claimed, true);
        return true;
    }

    /// <summary>
    /// Whether the node has been given back to the pool. A reader that finds this set on a peer it obtained inside its
    /// current read scope has caught a grace-period violation; tests check it.
    /// </summary>
    internal bool IsReclaimed => Volatile.Read(ref _reclaimed) != 0;

    /// <summary>How many times the node has been reclaimed; a change inside one read scope is a violation too.</summary>
    internal int Generation => Volatile.Read(ref _generation);

    /// <summary>
    /// Marks the node free once its grace period is over (PeerPool.Reclaim): links cleared, generation advanced, then
    /// the poison flag, a release write, so that a reader that sees the flag also sees the rest.
    /// </summary>
    internal void Poison()
    {
        SetLeft(null);
        SetRight(null);
        Height = 0;
        _generation++;
        Volatile.Write(ref _reclaimed, 1);
    }

    /// <summary>Takes a pooled node back into use, before <see cref="Initialize"/>.</summary>
    internal void Revive()
    {
        Debug.Assert(IsReclaimed && !InLru, "only poisoned, unlisted nodes are pooled");
        Volatile.Write(ref _reclaimed, 0);
    }

    /// <summary>Records a use; several holders may race and any of their times is an acceptable answer.</summary>
    internal void Touch(long nowNanoseconds) => Volatile.Write(ref _lastUsed, nowNanoseconds);
}
