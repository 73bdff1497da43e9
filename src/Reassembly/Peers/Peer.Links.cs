using System.Threading;

namespace Reassembly.Peers;

/// <summary>The tree and LRU links of a peer. Every field here is written only under the table lock.</summary>
internal sealed partial class Peer
{
    private Peer? _left;
    private Peer? _right;

    /// <summary>Left child (smaller keys). Lock-free readers load it with Volatile.Read in <see cref="PeerTable.Walk"/>.</summary>
    internal Peer? Left => Volatile.Read(ref _left);

    /// <summary>Right child (larger keys). Lock-free readers load it with Volatile.Read in <see cref="PeerTable.Walk"/>.</summary>
    internal Peer? Right => Volatile.Read(ref _right);

    /// <summary>Height of the subtree rooted here (a leaf is 1). Read and written only under the table lock.</summary>
    internal int Height { get; set; }

    /// <summary>The neighbour towards the least recently used end of the idle list. Table lock.</summary>
    internal Peer? LruPrevious { get; set; }

    /// <summary>The neighbour towards the most recently used end of the idle list. Table lock.</summary>
    internal Peer? LruNext { get; set; }

    /// <summary>Whether the peer is on the idle list. Table lock.</summary>
    internal bool InLru { get; set; }

    /// <summary>
    /// Sets the left child. Volatile.Write (release) so that a lock-free reader that loads the new child with
    /// Volatile.Read in <see cref="PeerTable.Walk"/> also sees that child's key and links, written before.
    /// </summary>
    internal void SetLeft(Peer? child) => Volatile.Write(ref _left, child);

    /// <summary>Sets the right child; the release pairs with Volatile.Read in <see cref="PeerTable.Walk"/>.</summary>
    internal void SetRight(Peer? child) => Volatile.Write(ref _right, child);
}
