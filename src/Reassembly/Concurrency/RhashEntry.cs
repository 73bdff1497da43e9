using System.Threading;

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
internal abstract class RhashEntry<TKey>
    where TKey : struct
{
    /// <summary>
    /// The next entry of the chain, null at its end. Written only under the lock of the bucket the entry is in, always
    /// after <see cref="HomeTable"/> and <see cref="HomeIndex"/> (release store), so a lookup that reads a new link here
    /// also reads the new home and knows the entry left its chain. Read with Volatile.Read by lookups.
    /// </summary>
    internal RhashEntry<TKey>? Next;

    /// <summary>
    /// The table whose chain holds the entry, or null when it is in none. With <see cref="HomeIndex"/>, written under
    /// that bucket's lock (insert, remove; a rehash move holds both buckets' locks).
    /// </summary>
    internal RhashBucketTable<TKey>? HomeTable;

    /// <summary>The bucket index of the chain in <see cref="HomeTable"/>.</summary>
    internal int HomeIndex;

    /// <summary>
    /// A per-entry seqlock over <see cref="Next"/> and the home: odd while a writer (holding the bucket lock) links the
    /// entry into a chain, bumped again when it is done. The home alone cannot tell a lookup that an entry it stands
    /// on left its chain and came back to the same bucket (removed, linked elsewhere, removed and linked here again, as
    /// an owner that reuses entries without a grace period may do): the lookup could pair the old home with a link
    /// into the other chain. A lookup that sees the same even version before and after reading the link knows the
    /// link belongs to the home it checked. Written with Volatile.Write; pairs with the Volatile.Reads in FindInChain
    /// (the checked walk; the unchecked ones in Lookup and FindInTable only look for a hit and need none).
    /// </summary>
    internal int Version;

    /// <summary>Creates an entry that is in no table.</summary>
    protected RhashEntry()
    {
    }

    private TKey _key;

    /// <summary>The entry's key; set it only while the entry is in no table.</summary>
    public TKey Key
    {
        get => _key;
        protected set => _key = value;
    }

    /// <summary>The key in place, for the table's comparisons, which then copy neither key (see <see cref="IHashKey{TKey}.EqualsKey"/>).</summary>
    internal ref readonly TKey KeyRef => ref _key;

    /// <summary>Whether the entry is in a table (racy unless the caller serializes with the table's writers).</summary>
    internal bool IsInTable => Volatile.Read(ref HomeTable) is not null;
}
