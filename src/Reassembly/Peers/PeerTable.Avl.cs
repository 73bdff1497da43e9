using System.Diagnostics;
using System.Threading;

namespace Reassembly.Peers;

/// <summary>
/// The AVL mutations. Every method here runs under _gate and inside a seqlock write section; each returns the new
/// root of the subtree it was given, and the caller stores it only if it changed, so that links a reader may be
/// following are not rewritten (and their cache lines not dirtied) when nothing moved.
/// </summary>
/// <remarks>
/// Lock-free readers may be anywhere in the tree while these run. The rules that keep them safe: a node's key and
/// links are complete before the one Volatile.Write that makes it reachable; a removed node keeps its links, so a
/// reader standing on it walks on into the tree (nodes are recycled only after a grace period); and no store ever
/// makes a node its own descendant. A reader may still miss a key that a rotation moves off its path; the seqlock
/// tells it so.
/// </remarks>
internal sealed partial class PeerTable
{
    private static int HeightOf(Peer? node) => node is null ? 0 : node.Height;

    /// <summary>Publishes a new root; the release pairs with the Volatile.Read of _readers.Root in <see cref="Walk"/>.</summary>
    private void SetRoot(Peer? root)
    {
        if (!ReferenceEquals(_readers.Root, root))
        {
            Volatile.Write(ref _readers.Root, root);
        }
    }

    private static void SetLeftIfChanged(Peer node, Peer? child)
    {
        if (!ReferenceEquals(node.Left, child))
        {
            node.SetLeft(child);
        }
    }

    private static void SetRightIfChanged(Peer node, Peer? child)
    {
        if (!ReferenceEquals(node.Right, child))
        {
            node.SetRight(child);
        }
    }

    private static void UpdateHeight(Peer node)
    {
        int height = 1 + Math.Max(HeightOf(node.Left), HeightOf(node.Right));
        if (node.Height != height)
        {
            node.Height = height;
        }
    }

    /// <summary>Inserts <paramref name="created"/> (a fresh, unlinked node whose key is absent) below <paramref name="node"/>.</summary>
    private static Peer Insert(Peer? node, Peer created)
    {
        if (node is null)
        {
            return created;
        }

        int order = created.Key.CompareTo(node.Key);
        Debug.Assert(order != 0, "the caller looked the key up under the lock first");
        if (order < 0)
        {
            Peer? child = node.Left;
            int height = HeightOf(child);
            Peer grown = Insert(child, created);
            if (ReferenceEquals(grown, child) && grown.Height == height)
            {
                return node;
            }

            SetLeftIfChanged(node, grown);
        }
        else
        {
            Peer? child = node.Right;
            int height = HeightOf(child);
            Peer grown = Insert(child, created);
            if (ReferenceEquals(grown, child) && grown.Height == height)
            {
                return node;
            }

            SetRightIfChanged(node, grown);
        }

        return Balance(node);
    }

    // Why the early returns above and in the removals are exact: a subtree whose root and height are what they were
    // leaves its parent's height and balance as they were, so Balance would only rewrite the same height. Stopping
    // there spares reading the sibling of every node on the path back to the root (a cache miss each in a big tree),
    // which is most of an insert's cost: after an AVL insert or removal the height changes only for a few levels.

    /// <summary>Unlinks the node with <paramref name="key"/> from the subtree, leaving the node's own links as they were.</summary>
    private static Peer? Remove(Peer? node, in PeerKey key)
    {
        if (node is null)
        {
            Debug.Fail("the caller found the key under the lock");
            return null;
        }

        int order = key.CompareTo(node.Key);
        if (order < 0)
        {
            Peer? child = node.Left;
            int height = HeightOf(child);
            Peer? shrunk = Remove(child, in key);
            if (ReferenceEquals(shrunk, child) && HeightOf(shrunk) == height)
            {
                return node;
            }

            SetLeftIfChanged(node, shrunk);
            return Balance(node);
        }

        if (order > 0)
        {
            Peer? child = node.Right;
            int height = HeightOf(child);
            Peer? shrunk = Remove(child, in key);
            if (ReferenceEquals(shrunk, child) && HeightOf(shrunk) == height)
            {
                return node;
            }

            SetRightIfChanged(node, shrunk);
            return Balance(node);
        }

        Peer? left = node.Left;
        Peer? right = node.Right;
        if (left is null)
        {
            return right;
        }

        if (right is null)
        {
            return left;
        }

        // Two children: the largest key on the left takes the removed node's place, as in inetpeer's
        // unlink_from_pool. Nodes are identities (holders keep references), so the node moves, not its key.
        Peer? remainingLeft = RemoveLargest(left, out Peer successor);
        successor.SetLeft(remainingLeft);
        successor.SetRight(right);
        successor.Height = node.Height;
        return Balance(successor);
    }

    private static Peer? RemoveLargest(Peer node, out Peer largest)
    {
        Peer? right = node.Right;
        if (right is null)
        {
            largest = node;
            return node.Left;
        }

        int height = right.Height;
        Peer? shrunk = RemoveLargest(right, out largest);
        if (ReferenceEquals(shrunk, right) && right.Height == height)
        {
            return node;
        }

        SetRightIfChanged(node, shrunk);
        return Balance(node);
    }

    /// <summary>Restores balance at <paramref name="node"/>, whose subtrees are balanced and differ in height by at most 2.</summary>
    private static Peer Balance(Peer node)
    {
        int leftHeight = HeightOf(node.Left);
        int rightHeight = HeightOf(node.Right);
        if (leftHeight > rightHeight + 1)
        {
            Peer left = node.Left!;
            if (HeightOf(left.Left) < HeightOf(left.Right))
            {
                // Left-right case: first lift the inner grandchild.
                node.SetLeft(RotateLeft(left));
            }

            return RotateRight(node);
        }

        if (rightHeight > leftHeight + 1)
        {
            Peer right = node.Right!;
            if (HeightOf(right.Right) < HeightOf(right.Left))
            {
                node.SetRight(RotateRight(right));
            }

            return RotateLeft(node);
        }

        UpdateHeight(node);
        return node;
    }

    // The child first takes over the grandchild that changes sides, then adopts the old parent: at no moment is a
    // node reachable from itself. The caller stores the returned node in the parent's link.
    private static Peer RotateRight(Peer node)
    {
        Peer left = node.Left!;
        node.SetLeft(left.Right);
        left.SetRight(node);
        UpdateHeight(node);
        UpdateHeight(left);
        return left;
    }

    private static Peer RotateLeft(Peer node)
    {
        Peer right = node.Right!;
        node.SetRight(right.Left);
        right.SetLeft(node);
        UpdateHeight(node);
        UpdateHeight(right);
        return right;
    }
}
