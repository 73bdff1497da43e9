namespace Reassembly.Concurrency;

/// <summary>
/// An object stored in an <see cref="RhashTable{TKey, TEntry}"/>: the table links the entry itself (intrusive), so an
/// insert allocates nothing. An entry is in at most one table at a time.
/// </summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <remarks>
/// The key must not change while the entry is in a table. A removed entry may still be read by lookups that found it
/// before the removal; reinitialize it with another key (recycle it) only after an <see cref="EpochDomain"/> grace
/// period that began after the removal.
/// </remarks>
internal abstract class RhashEntry<TKey> : RhashNode
    where TKey : struct
{
    /// <summary>Creates an entry that is in no table.</summary>
    protected RhashEntry()
        : base(isBucket: false)
    {
    }

    /// <summary>The entry's key; set it only while the entry is in no table.</summary>
    public TKey Key { get; protected set; }

    /// <summary>
    /// The bucket whose chain holds the entry, or null when the entry is in no table. Written under that bucket's lock
    /// (insert, remove; a move holds both buckets' locks); <see cref="RhashTable{TKey, TEntry}.Remove"/> reads it first and
    /// re-checks it under the lock.
    /// </summary>
    internal RhashBucket? Home;
}
