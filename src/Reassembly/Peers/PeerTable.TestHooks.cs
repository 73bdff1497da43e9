using System.Collections.Generic;
using System.Diagnostics;

namespace Reassembly.Peers;

/// <summary>Read-only views and the invariant check, for tests and DEBUG builds. None of this is on a hot path.</summary>
internal sealed partial class PeerTable
{
    /// <summary>
    /// Checks invariants 1-6 of the type (see PeerTable.cs) under the lock and throws
    /// <see cref="InvalidOperationException"/> naming the first one that fails.
    /// </summary>
    internal void AssertInvariants()
    {
        lock (_gate)
        {
            CheckInvariantsLocked();
        }
    }

    /// <summary>The keys in tree order, under the lock.</summary>
    internal List<PeerKey> KeysInOrder()
    {
        var keys = new List<PeerKey>();
        lock (_gate)
        {
            InOrder(_readers.Root, keys, depth: 0);
        }

        return keys;
    }

    /// <summary>The keys on the idle list from least to most recently used, skipping peers acquired since.</summary>
    internal List<PeerKey> IdleKeysLeastRecentFirst()
    {
        var keys = new List<PeerKey>();
        lock (_gate)
        {
            for (Peer? peer = _lruHead; peer is not null; peer = peer.LruNext)
            {
                if (peer.ReferenceCount == 0)
                {
                    keys.Add(peer.Key);
                }
            }
        }

        return keys;
    }

    /// <summary>The height of the tree (0 when empty), under the lock.</summary>
    internal int TreeHeight
    {
        get
        {
            lock (_gate)
            {
                return HeightOf(_readers.Root);
            }
        }
    }

    /// <summary>Peers the epoch domain has given back to this table's pool.</summary>
    internal long ReclaimedCount => _pool.ReclaimedCount;

    /// <summary>Insertions that reused a reclaimed node.</summary>
    internal long ReusedCount => _pool.ReusedCount;

    /// <summary>The seqlock's value: it changes exactly when links change.</summary>
    internal int SequenceValue => _readers.Sequence.Value;

    /// <summary>Tables up to this size are checked in full at every locked section of a DEBUG build.</summary>
    private const int DebugCheckLimit = 1024;

    // The check is O(n); above DebugCheckLimit a DEBUG build would turn every insert into a full scan, so larger
    // tables are left to the tests' explicit AssertInvariants calls.
    [Conditional("DEBUG")]
    private void DebugAssertInvariants()
    {
        if (_count <= DebugCheckLimit)
        {
            CheckInvariantsLocked();
        }
    }

    private void CheckInvariantsLocked()
    {
        if ((_readers.Sequence.Value & 1) != 0)
        {
            Fail("the seqlock is odd outside a write section");
        }

        var reachable = new HashSet<Peer>(ReferenceEqualityComparer.Instance);
        PeerKey? previous = null;
        CheckSubtree(_readers.Root, reachable, ref previous, depth: 0);

        // Invariant 4.
        if (reachable.Count != _count)
        {
            Fail($"Count is {_count} but {reachable.Count} nodes are reachable");
        }

        // Invariant 6: the list, both directions.
        var listed = new HashSet<Peer>(ReferenceEqualityComparer.Instance);
        Peer? before = null;
        for (Peer? peer = _lruHead; peer is not null; peer = peer.LruNext)
        {
            if (!listed.Add(peer))
            {
                Fail($"peer {peer.Key} is on the LRU list twice (or the list has a cycle)");
            }

            if (!peer.InLru)
            {
                Fail($"peer {peer.Key} is on the LRU list but not marked so");
            }

            if (!reachable.Contains(peer))
            {
                Fail($"peer {peer.Key} is on the LRU list but not in the tree");
            }

            if (!ReferenceEquals(peer.LruPrevious, before))
            {
                Fail($"peer {peer.Key} has a wrong backward LRU link");
            }

            before = peer;
        }

        if (!ReferenceEquals(_lruTail, before))
        {
            Fail("the LRU tail is not the last peer on the list");
        }

        if (_lruLength != listed.Count)
        {
            Fail($"the LRU length is {_lruLength} but {listed.Count} peers are listed");
        }

        foreach (Peer peer in reachable)
        {
            // Read once: a lock-free acquirer may raise it, but only a holder of _gate lowers it to 0.
            int references = peer.ReferenceCount;
            if (references < 0)
            {
                Fail($"peer {peer.Key} is reachable with reference count {references}");
            }

            if (references == 0 && !listed.Contains(peer))
            {
                Fail($"idle peer {peer.Key} is not on the LRU list");
            }

            if (peer.InLru != listed.Contains(peer))
            {
                Fail($"peer {peer.Key} is marked {(peer.InLru ? "listed" : "unlisted")} but is not");
            }
        }
    }

    private static void CheckSubtree(Peer? node, HashSet<Peer> reachable, ref PeerKey? previous, int depth)
    {
        if (node is null)
        {
            return;
        }

        if (depth > MaxWalkDepth || !reachable.Add(node))
        {
            Fail("the tree has a cycle or is deeper than any AVL tree of this size");
        }

        CheckSubtree(node.Left, reachable, ref previous, depth + 1);

        // Invariant 1.
        if (previous is { } before && before.CompareTo(node.Key) >= 0)
        {
            Fail($"keys out of order: {before} then {node.Key}");
        }

        previous = node.Key;
        CheckSubtree(node.Right, reachable, ref previous, depth + 1);

        int leftHeight = HeightOf(node.Left);
        int rightHeight = HeightOf(node.Right);

        // Invariant 2.
        if (Math.Abs(leftHeight - rightHeight) > 1)
        {
            Fail($"node {node.Key} is out of balance: left {leftHeight}, right {rightHeight}");
        }

        // Invariant 3.
        if (node.Height != 1 + Math.Max(leftHeight, rightHeight))
        {
            Fail($"node {node.Key} stores height {node.Height}, its subtrees say {1 + Math.Max(leftHeight, rightHeight)}");
        }
    }

    private static void InOrder(Peer? node, List<PeerKey> keys, int depth)
    {
        if (node is null || depth > MaxWalkDepth)
        {
            return;
        }

        InOrder(node.Left, keys, depth + 1);
        keys.Add(node.Key);
        InOrder(node.Right, keys, depth + 1);
    }

    private static void Fail(string message) => throw new InvalidOperationException("PeerTable invariant broken: " + message);
}
