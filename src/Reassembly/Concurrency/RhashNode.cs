namespace Reassembly.Concurrency;

/// <summary>
/// A link in an <see cref="RhashTable{TKey, TEntry}"/> chain: either an entry or a bucket, which is at once the chain's
/// head holder and its terminator (the "nulls" marker of Linux's rhashtable, see <see cref="RhashBucket"/>).
/// </summary>
internal abstract class RhashNode
{
    private protected RhashNode(bool isBucket)
    {
        IsBucket = isBucket;
    }

    /// <summary>True for a bucket (a chain terminator), false for an entry.</summary>
    internal bool IsBucket { get; }

    /// <summary>
    /// The next node of the chain; a chain is circular through its bucket. Written only under the lock of the bucket
    /// whose chain the node is in (for a moved entry, under both buckets' locks); read lock-free by lookups, with
    /// Volatile.Read pairing with the Volatile.Write that published it.
    /// </summary>
    internal RhashNode? Next;
}
