using System.Threading;

namespace Reassembly.Peers;

/// <summary>The tree and LRU links of a peer. Every link here is written only under the table lock.</summary>
internal sealed partial class Peer
{
    // What the lock-free walk reads, kept together so that a step touches as few cache lines as the object's placement
    // allows: the key and both children at every level, and on a hit the claimed flag, which Lookup reads instead of
    // the reference count that every acquire and release writes.
    private TreeFields _tree;

    /// <summary>Left child (smaller keys); Volatile.Read, pairs with the release in <see cref="SetLeft"/>.</summary>
    internal Peer? Left => Volatile.Read(ref _tree.Left);

    /// <summary>Right child (larger keys); Volatile.Read, pairs with the release in <see cref="SetRight"/>.</summary>
    internal Peer? Right => Volatile.Read(ref _tree.Right);

    /// <summary>Height of the subtree rooted here (a leaf is 1). Read and written only under the table lock.</summary>
    internal int Height { get; set; }

    /// <summary>The neighbour towards the least recently used end of the idle list. Table lock.</summary>
    internal Peer? LruPrevious { get; set; }

    /// <summary>The neighbour towards the most recently used end of the idle list. Table lock.</summary>
    internal Peer? LruNext { get; set; }

    /// <summary>Whether the peer is on the idle list. Table lock.</summary>
    internal bool InLru { get; set; }

    /// <summary>
    /// Whether the collector has claimed the peer (its reference count is <see cref="Dead"/>). A copy of that fact on
    /// the walk's cache line, so that Lookup need not touch the contended reference count.
    /// </summary>
    internal bool IsClaimed => Volatile.Read(ref _tree.Claimed);

    /// <summary>The key, by reference, for the walk's comparisons (no copy per level).</summary>
    internal ref readonly PeerKey KeyReference => ref _tree.Key;

    /// <summary>
    /// Sets the left child. Volatile.Write (release) so that a lock-free reader that loads the new child with
    /// Volatile.Read in <see cref="PeerTable.Walk"/> also sees that child's key and links, written before.
    /// </summary>
    internal void SetLeft(Peer? child) => Volatile.Write(ref _tree.Left, child);

    /// <summary>Sets the right child; the release pairs with Volatile.Read in <see cref="PeerTable.Walk"/>.</summary>
    internal void SetRight(Peer? child) => Volatile.Write(ref _tree.Right, child);

    private struct TreeFields
    {
        public PeerKey Key;
        public Peer? Left;
        public Peer? Right;
        public bool Claimed;
    }
}
