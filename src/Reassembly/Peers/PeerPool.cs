using System.Diagnostics;
using System.Threading;
using Reassembly.Concurrency;

namespace Reassembly.Peers;

/// <summary>
/// Recycles peer nodes. A peer removed from the tree is retired through the epoch domain, and only when its grace
/// period has passed (no reader that could have seen it is still in a read scope) does <see cref="Reclaim"/> poison
/// it and put it here for the next insertion.
/// </summary>
/// <remarks>
/// Invariants: every pooled peer is poisoned (<see cref="Peer.IsReclaimed"/>), unlinked and Dead; a peer is in the
/// pool at most once; the pool holds at most <see cref="Capacity"/> peers (the rest go to the GC). Its own small lock
/// is taken by Reclaim, which may run on any thread inside the epoch domain, and by Rent, under the table lock; the
/// table lock is never taken inside it, so the two cannot deadlock.
/// </remarks>
internal sealed class PeerPool : IEpochReclaimer
{
    /// <summary>
    /// How many free nodes are kept: four times the evictions a flood makes between two polls of the epoch domain
    /// (PeerTable.EvictionsPerPoll). A poll hands back whole batches at once, up to two polls' worth when the previous
    /// one found a reader still inside, while the table goes on inserting; with room for only one poll's worth the
    /// surplus went to the GC and later insertions allocated anew, about two bytes per frame of a spoofed-source flood
    /// (AllocationTests' flood fails at 1x and passes at 2x; 4x is the margin). About 400 KB, small enough not to
    /// matter when the table shrinks for good.
    /// </summary>
    internal const int Capacity = 4 * PeerTable.EvictionsPerPoll;

    private readonly Lock _gate = new();
    private readonly Peer[] _free = new Peer[Capacity];
    private int _count;
    private long _reclaimed;
    private long _reused;

    /// <summary>Peers given back by the epoch domain so far.</summary>
    internal long ReclaimedCount => Volatile.Read(ref _reclaimed);

    /// <summary>Insertions served from the pool so far.</summary>
    internal long ReusedCount => Volatile.Read(ref _reused);

    /// <summary>A recycled node, revived and unlinked, or a new one.</summary>
    public Peer Rent()
    {
        lock (_gate)
        {
            if (_count > 0)
            {
                Peer peer = _free[--_count];
                _free[_count] = null!;
                _reused++;
                peer.Revive();
                return peer;
            }
        }

        return new Peer();
    }

    /// <summary>Called by the epoch domain after the grace period of a peer that <see cref="PeerTable"/> retired.</summary>
    public void Reclaim(object item)
    {
        var peer = (Peer)item;
        Debug.Assert(peer.ReferenceCount == Peer.Dead, "only claimed peers are retired");
        peer.Poison();
        lock (_gate)
        {
            _reclaimed++;
            if (_count < Capacity)
            {
                _free[_count++] = peer;
            }
        }
    }
}
