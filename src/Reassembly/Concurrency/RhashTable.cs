using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Threading;

namespace Reassembly.Concurrency;

/// <summary>
/// A resizable concurrent hash table after Linux's lib/rhashtable.c: lock-free lookups, per-bucket locks for writers,
/// incremental rehashing with several rehashes in flight, and a random hash secret per bucket table.
/// </summary>
/// <typeparam name="TKey">The key (a struct with a keyed hash).</typeparam>
/// <typeparam name="TEntry">The entries, linked intrusively (an insert allocates nothing).</typeparam>
/// <remarks>
/// <para><b>Shape.</b> A chain of <see cref="RhashBucketTable{TKey}"/>s from <c>_oldest</c> through
/// <see cref="RhashBucketTable{TKey}.Future"/> to the newest. With one table no rehash is in flight. A rehash moves the
/// oldest table's buckets, in index order, into the table right after it; when the last bucket is moved,
/// <c>_oldest</c> advances. Each table has three arrays indexed by bucket: a 16-bit filter (all a miss touches, 2 bytes a
/// bucket), the chain heads, and the bucket lock words; chains are null-terminated lists through
/// <see cref="RhashEntry{TKey}.Next"/>.</para>
/// <para><b>Invariants</b> (checked by <see cref="AssertInvariants"/> when quiescent, and per bucket in locked sections):
/// (1) An entry is in exactly one chain, the one its <see cref="RhashEntry{TKey}.HomeTable"/> and
/// <see cref="RhashEntry{TKey}.HomeIndex"/> name, and that is the bucket its key hashes to in that table.
/// (2) Moved buckets are empty and only the oldest table has any; nothing is linked into a moved bucket. (3) Entries
/// only move forward (older table to newer); a move takes the last entry of the old chain, links it into the new chain
/// before unlinking it from the old one, and holds both buckets' locks until it has done both (so an entry a remover
/// has unlinked is reachable from no chain). (4) Inserts go into the newest table, under its
/// bucket's lock. (5) The newest table has no future; every table before it has one. (6) An entry's home changes
/// before its <c>Next</c> does (release store on <c>Next</c>). (7) <c>Count</c> is the number of linked entries once
/// writers are done. (8) A bucket's filter has the <see cref="RhashBucketTable{TKey}.FilterBit"/> of every entry in its
/// chain (top four bits of the key's hash in that table), set before the entry is published there; it may have bits of
/// entries that left (a moved bucket keeps them), and an empty bucket that is not moved has none (a removal rebuilds the
/// filter from the entries left).</para>
/// <para><b>Lookups</b> take no lock: look for the key in each table from oldest to newest. By (3) an entry present
/// for the whole lookup is always in some table the lookup has yet to read, so it is found. In one table: first the
/// bucket's filter; by (8) a clear bit means no entry present for the whole lookup has the key there, so most misses
/// (an empty bucket, or one whose entries have other bits) read 2 bytes and no entry. Then an unchecked walk of the
/// chain: an entry with the key is a correct answer however the walk reached it, so a hit costs no further check (and
/// the walk ends: at any instant the links form no cycle, since an unlinked entry keeps the link it had, to an entry
/// unlinked later or still linked, and a linked entry's link leads to a linked entry or ends the chain). Only
/// if that walk ends without the key does a checked walk run, and only it may conclude a miss: after following a link
/// it checks that the entry it left is still homed in the chain it is walking; if not (the entry moved, or was removed
/// and re-inserted), the link may lead into another chain and the walk restarts its own bucket, so it never skips the
/// rest of its chain. By (6) a walk that read a new link also reads the new home. This is Linux's "nulls" check (a
/// chain ending on another bucket's marker), kept per entry so that the buckets need no marker objects. The filter,
/// heads and links are read with Volatile.Read, which also orders the read of the next table's pointer after the
/// table's reads (the smp_rmb of <c>__rhashtable_lookup</c>).</para>
/// <para><b>Insert-if-absent</b> is atomic across the tables in flight by the rule "lock the bucket of the oldest live
/// table": an insert locks the key's bucket in the oldest table where that bucket is not yet moved (its home bucket).
/// While it holds that lock no entry with that key can be inserted by anyone else (they need the same lock; the home
/// bucket of a key is unique because moved flags are monotonic and set under the lock) nor moved (the home table cannot
/// finish its rehash, and newer tables do not rehash before it). It then checks every table from the home one on and,
/// on a miss, links the candidate into the newest table under that bucket's lock too.</para>
/// <para><b>Lock order.</b> An older table's bucket before a newer table's bucket, never two buckets of one table;
/// <c>_attachLock</c> is taken with no bucket lock held. So insert (home, then newest), rehash (old, then new) and
/// remove (one lock) cannot deadlock.</para>
/// <para><b>Resizing.</b> Grows (2x) when an insert leaves the table 75 % full and no rehash is in flight; shrinks to
/// fit (load 2/3) when a removal leaves it under 30 % and no rehash is in flight; starts another rehash immediately, even
/// with others in flight, when an insert finds 100 % load (grow) or a chain longer than <see cref="MaxChainLength"/>
/// (same size, new secret; only when no rehash is in flight, so that a degenerate hash cannot churn). Each insert and
/// removal then moves <see cref="RehashStepBuckets"/> buckets; <see cref="RehashStep"/> lets an owner do more from a
/// timer. At most <see cref="MaxTablesInFlight"/> tables: an insert that would attach more first finishes the oldest
/// rehash itself.</para>
/// <para><b>Memory.</b> Tables are reclaimed by the GC (a reader holding one keeps it alive). Entries: a removed entry
/// can still be read by lookups that found it; an owner that recycles entries retires them to an
/// <see cref="EpochDomain"/> after <see cref="Remove"/> and looks up inside a read scope.</para>
/// </remarks>
internal sealed partial class RhashTable<TKey, TEntry>
    where TKey : struct, IHashKey<TKey>
    where TEntry : RhashEntry<TKey>
{
    /// <summary>A chain longer than this in the newest table starts an immediate rehash with a new secret (Linux's elasticity).</summary>
    internal const int MaxChainLength = 16;

    /// <summary>Buckets of the oldest table each insert or removal moves while a rehash is in flight.</summary>
    internal const int RehashStepBuckets = 4;

    /// <summary>The longest chain of tables; beyond it an insert completes the oldest rehash before attaching a table.</summary>
    internal const int MaxTablesInFlight = 4;

    private readonly int _minBuckets;
    private readonly Lock _attachLock = new();

    // The first table readers walk; advances (release store) when its last bucket has been moved.
    private RhashBucketTable<TKey> _oldest;

    // The newest table; written under _attachLock.
    private RhashBucketTable<TKey> _newest;

    // Every insert and removal changes the count: striped, so that workers on two cores do not trade its line on each
    // one (StripedCounter). Growth and shrink decisions read it within CountBatch per stripe of the exact value.
    private readonly StripedCounter _count = new();

    // Tables attached since construction (statistics and tests); written under _attachLock.
    private int _tablesAttached;

    // 1 while a thread moves buckets (one rehasher at a time; RehashCursor is its private state). On a line of its own:
    // it is written twice per rehash step, and _oldest beside it is what every lookup reads first.
    private CacheLinePadded _rehashing;

    /// <summary>Creates an empty table.</summary>
    /// <param name="initialBuckets">Initial bucket count, rounded up to a power of two and to at least <paramref name="minBuckets"/>.</param>
    /// <param name="minBuckets">The table never shrinks below this (rounded up to a power of two).</param>
    public RhashTable(int initialBuckets = 64, int minBuckets = 64)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minBuckets, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBuckets, 1 << 30);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(initialBuckets, 1 << 30);
        _minBuckets = (int)BitOperations.RoundUpToPowerOf2((uint)minBuckets);
        int size = Math.Max(_minBuckets, (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(initialBuckets, 1)));
        _oldest = new RhashBucketTable<TKey>(this, size);
        _newest = _oldest;
    }

    /// <summary>The number of entries (exact once concurrent writers are done).</summary>
    public int Count => (int)_count.Value;

    /// <summary>
    /// Finds the entry with <paramref name="key"/>, without taking a lock or allocating. An entry present for the whole
    /// call is found; one inserted or removed concurrently may or may not be. If entries are recycled, call inside a
    /// read scope of the epoch domain they are retired to and use the result only inside it.
    /// </summary>
    public TEntry? Lookup(in TKey key)
    {
        // The common cases inline, with no loop over tables and no call but in tail position, so that they need no
        // saved registers: a hit found by the unchecked walk of the oldest table, and a miss its filter rules out with
        // no rehash in flight. Everything else continues in LookupFrom, the general walk of FindInTable's steps.
        RhashBucketTable<TKey> table = Volatile.Read(ref _oldest);
        ulong hash = HashOf(table, in key);
        int index = table.IndexFor(hash);
        if (table.FilterAdmits(index, hash))
        {
            RhashEntry<TKey>? found = FindUnchecked(table, index, in key);
            return found is not null ? Unsafe.As<TEntry>(found) : LookupAfterUncheckedWalk(table, index, in key);
        }

        // Volatile.Read (in Future) after the filter's: pairs with AttachFuture's release store.
        RhashBucketTable<TKey>? future = table.Future;
        return future is null ? null : LookupFrom(future, in key);
    }

    /// <summary>The rest of a lookup whose unchecked walk of <paramref name="table"/> missed: the checked walk, then the newer tables.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static TEntry? LookupAfterUncheckedWalk(RhashBucketTable<TKey> table, int index, in TKey key)
    {
        RhashEntry<TKey>? found = FindInChain(table, index, in key);
        if (found is not null)
        {
            return Unsafe.As<TEntry>(found);
        }

        RhashBucketTable<TKey>? future = table.Future;
        return future is null ? null : LookupFrom(future, in key);
    }

    /// <summary>A lookup from <paramref name="table"/> on: each table in turn, oldest to newest, as <see cref="FindInTable"/> does it.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static TEntry? LookupFrom(RhashBucketTable<TKey> table, in TKey key)
    {
        RhashBucketTable<TKey>? current = table;
        do
        {
            RhashEntry<TKey>? found = FindInTable(current, in key);
            if (found is not null)
            {
                return Unsafe.As<TEntry>(found);
            }

            // Volatile.Read (in Future) after the walk's Volatile.Reads: pairs with AttachFuture's release store.
            current = current.Future;
        }
        while (current is not null);

        return null;
    }

    /// <summary>
    /// Inserts <paramref name="candidate"/> unless an entry with its key is present, atomically across every table in
    /// flight: of concurrent inserts of one key exactly one wins and the others get the winner.
    /// </summary>
    /// <returns><paramref name="candidate"/> if it was inserted, otherwise the entry already present (the candidate is untouched).</returns>
    /// <exception cref="InvalidOperationException">The candidate is already in a table.</exception>
    public TEntry InsertIfAbsent(TEntry candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        if (candidate.IsInTable)
        {
            throw new InvalidOperationException("The entry is already in a table; remove it first.");
        }

        TKey key = candidate.Key;
        RhashBucketTable<TKey> homeTable = Volatile.Read(ref _oldest);
        int homeIndex = LockHomeBucket(ref homeTable, in key);
        RhashBucketTable<TKey> target;
        int chainLength;
        try
        {
            AssertBucketInvariants(homeTable, homeIndex);

            // With the home bucket locked no entry with this key can appear or move (type remarks): one pass suffices.
            for (RhashBucketTable<TKey>? table = homeTable; table is not null; table = table.Future)
            {
                RhashEntry<TKey>? existing = FindInTable(table, in key);
                if (existing is not null)
                {
                    return Unsafe.As<TEntry>(existing);
                }
            }

            target = homeTable;
            while (target.Future is { } next)
            {
                target = next;
            }

            // The target cannot be rehashing: only the oldest table rehashes, and it is at most the home table, whose
            // home bucket we hold (invariant 4).
            bool sameBucket = target == homeTable;
            int index = sameBucket ? homeIndex : IndexOf(target, in key);
            ref RhashBucketLock bucket = ref target.LockOf(index);
            if (!sameBucket)
            {
                bucket.Lock();
            }

            try
            {
                AssertBucketInvariants(target, index);
                Debug.Assert(!bucket.IsMoved, "Nothing is linked into a moved bucket.");
                chainLength = LinkAtHead(target, index, candidate);
            }
            finally
            {
                if (!sameBucket)
                {
                    bucket.Unlock();
                }
            }
        }
        finally
        {
            homeTable.LockOf(homeIndex).Unlock();
        }

        long count = _count.Add(1, CountBatch(target.Size));
        AfterInsert(target, count, chainLength);
        return candidate;
    }

    /// <summary>Unlinks <paramref name="entry"/> from this table.</summary>
    /// <returns>True if this call removed it; false if it was in no table, in another table, or removed concurrently.</returns>
    public bool Remove(TEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        while (true)
        {
            // The entry's seqlock (RhashEntry.Version) brackets every change of its home: odd while a rehash moves it.
            // Read first (acquire), so that the home read below is either from before the move or validated after it.
            int version = Volatile.Read(ref entry.Version);
            if ((version & 1) != 0)
            {
                Thread.SpinWait(1);
                continue;
            }

            RhashBucketTable<TKey>? table = Volatile.Read(ref entry.HomeTable);
            if (table is null || table.Owner != this)
            {
                return false;
            }

            // The pair is read without the lock, so a concurrent move may tear it (new table, old index: the mover can
            // be preempted between its two stores): the index may even be out of the table's range. Anything but a
            // matching pair and an unchanged, even version under the lock is retried.
            int index = Volatile.Read(ref entry.HomeIndex);
            if ((uint)index >= (uint)table.Size)
            {
                continue;
            }

            ref RhashBucketLock bucket = ref table.LockOf(index);
            bucket.Lock();
            try
            {
                // A rehash may have moved the entry (or someone removed it) between the reads and the lock. Under the
                // lock of its home bucket no move of the entry can start, so a matching home and version mean the entry
                // is in this chain. Without the version check a torn pair could match a bucket that the entry was never
                // linked into (a NullReferenceException in Unlink, seen once in the stress test).
                if (entry.HomeTable != table || entry.HomeIndex != index || Volatile.Read(ref entry.Version) != version)
                {
                    continue;
                }

                AssertBucketInvariants(table, index);
                Unlink(table, index, entry);
            }
            finally
            {
                bucket.Unlock();
            }

            break;
        }

        long count = _count.Add(-1, CountBatch(Volatile.Read(ref _newest).Size));
        AfterRemove(count);
        return true;
    }

    /// <summary>
    /// How far a stripe of the count may drift before it is folded, for a table of <paramref name="buckets"/>: 1/64 of
    /// the buckets, so that with a few stripes the load the growth and shrink rules see is within a few percent of the
    /// true one, and a small table (64 buckets or fewer) keeps an exact count.
    /// </summary>
    private static long CountBatch(int buckets) => Math.Max(1, buckets / 64);

    /// <summary>The bucket index of <paramref name="key"/> in <paramref name="table"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int IndexOf(RhashBucketTable<TKey> table, in TKey key) => table.IndexFor(HashOf(table, in key));

    /// <summary>The hash of <paramref name="key"/> under <paramref name="table"/>'s secret.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong HashOf(RhashBucketTable<TKey> table, in TKey key)
    {
        // Unsafe.AsRef avoids the defensive copy the compiler makes to call an interface method on an `in` struct.
        return Unsafe.AsRef(in key).Hash(table.Secret);
    }

    /// <summary>Finds <paramref name="key"/> in one table: filter, then an unchecked walk, then a checked one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static RhashEntry<TKey>? FindInTable(RhashBucketTable<TKey> table, in TKey key)
    {
        ulong hash = HashOf(table, in key);
        int index = table.IndexFor(hash);

        // The filter has the bit of every entry in the chain, set before the entry was published there (pairs with the
        // Volatile.Write in LinkAtHead and MoveBucket): a clear bit is a miss without touching the chain, which is what
        // an empty bucket and most other misses cost. An entry linked after this read may or may not be found anyway.
        if (!table.FilterAdmits(index, hash))
        {
            return null;
        }

        // Only a checked walk may conclude a miss: the unchecked one may have left our chain through an entry that moved.
        return FindUnchecked(table, index, in key) ?? FindInChain(table, index, in key);
    }

    /// <summary>
    /// Walks bucket <paramref name="index"/>'s chain for <paramref name="key"/> without the per-entry checks: a hit needs
    /// no check of the path that led to it, since an entry with the key is the answer however the walk reached it. Null
    /// proves nothing; only <see cref="FindInChain"/> may conclude a miss.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static RhashEntry<TKey>? FindUnchecked(RhashBucketTable<TKey> table, int index, in TKey key)
    {
        // Pairs with the Volatile.Writes that link entries in LinkAtHead, Unlink and MoveBucket.
        for (RhashEntry<TKey>? node = Volatile.Read(ref table.HeadAt(index)); node is not null; node = Volatile.Read(ref node.Next))
        {
            if (Unsafe.AsRef(in key).EqualsKey(in node.KeyRef))
            {
                return node;
            }
        }

        return null;
    }

    /// <summary>
    /// Walks bucket <paramref name="index"/>'s chain, checking after each link that the entry it left is still homed in
    /// the chain (type remarks, "Lookups"); the only walk whose miss counts.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static RhashEntry<TKey>? FindInChain(RhashBucketTable<TKey> table, int index, in TKey key)
    {
        ref RhashEntry<TKey>? head = ref table.HeadAt(index);
    Restart:
        // Pairs with the Volatile.Writes that link entries in LinkAtHead, Unlink and MoveBucket.
        RhashEntry<TKey>? node = Volatile.Read(ref head);
        while (node is not null)
        {
            if (Unsafe.AsRef(in key).EqualsKey(in node.KeyRef))
            {
                return node;
            }

            // The entry's seqlock around the link (see RhashEntry.Version). Every read is an acquire, so the five
            // happen in program order: the home is the one written before the link we read (invariant 6), and the
            // second version read comes after the home reads (an acquire does not hold back earlier plain loads).
            int version = Volatile.Read(ref node.Version);
            RhashEntry<TKey>? next = Volatile.Read(ref node.Next);
            RhashBucketTable<TKey>? homeTable = Volatile.Read(ref node.HomeTable);
            int homeIndex = Volatile.Read(ref node.HomeIndex);
            int versionAfter = Volatile.Read(ref node.Version);
            if (homeTable != table || homeIndex != index || (version & 1) != 0 || versionAfter != version)
            {
                // The entry left our chain (or is being linked): its link may lead elsewhere. Restart, or we might skip
                // the rest of ours.
                goto Restart;
            }

            node = next;
        }

        return null;
    }

    /// <summary>Locks the key's home bucket: its bucket in the oldest table where that bucket is not yet moved.</summary>
    private static int LockHomeBucket(ref RhashBucketTable<TKey> table, in TKey key)
    {
        while (true)
        {
            int index = IndexOf(table, in key);
            ref RhashBucketLock bucket = ref table.LockOf(index);
            if (!bucket.IsMoved)
            {
                bucket.Lock();
                if (!bucket.IsMoved)
                {
                    return index;
                }

                bucket.Unlock();
            }

            // A moved bucket's table has a future: the rehash attached it before moving anything.
            table = table.Future!;
        }
    }

    /// <summary>Links <paramref name="entry"/> at the head of a chain (lock held); returns the chain's new length.</summary>
    private static int LinkAtHead(RhashBucketTable<TKey> table, int index, RhashEntry<TKey> entry)
    {
        ref RhashEntry<TKey>? slot = ref table.Head(index);
        RhashEntry<TKey>? head = slot;

        // The filter bit before the entry is reachable (the release store on the head below keeps it ahead).
        table.AddToFilter(index, HashOf(table, entry.Key));

        // The entry's seqlock goes odd before its home and link change (the release store on Next below keeps this
        // store ahead of it), and even once they are published.
        Volatile.Write(ref entry.Version, entry.Version + 1);
        Volatile.Write(ref entry.HomeTable, table);
        Volatile.Write(ref entry.HomeIndex, index);

        // Invariant 6: the home first, then the link (release).
        Volatile.Write(ref entry.Next, head);

        // Publish: pairs with Volatile.Read of Head in Lookup, FindInTable and FindInChain; the entry's key, home and link are
        // visible first.
        Volatile.Write(ref slot, entry);
        Volatile.Write(ref entry.Version, entry.Version + 1);
        int length = 1;
        for (RhashEntry<TKey>? node = head; node is not null; node = node.Next)
        {
            length++;
        }

        return length;
    }

    /// <summary>Unlinks <paramref name="entry"/> from bucket <paramref name="index"/>'s chain (lock held).</summary>
    private static void Unlink(RhashBucketTable<TKey> table, int index, RhashEntry<TKey> entry)
    {
        ref RhashEntry<TKey>? link = ref table.Head(index);
        while (link != entry)
        {
            Debug.Assert(link is not null, "An entry homed in this bucket is in its chain.");
            link = ref link!.Next;
        }

        // entry.Next is left alone: a lookup standing on the entry sees the cleared home and restarts its bucket.
        Volatile.Write(ref link, entry.Next);
        Volatile.Write(ref entry.HomeTable, null);

        // Rebuild the filter from the entries left, after the unlink: a lookup that reads it misses only the removed
        // key (and an empty chain gets a clear filter, so that misses on it touch nothing).
        Volatile.Write(ref table.Filter(index), ChainFilter(table, index));
    }

    /// <summary>The filter of bucket <paramref name="index"/>'s chain as it is now (lock held).</summary>
    private static ushort ChainFilter(RhashBucketTable<TKey> table, int index)
    {
        ushort filter = 0;
        for (RhashEntry<TKey>? node = table.Head(index); node is not null; node = node.Next)
        {
            filter |= RhashBucketTable<TKey>.FilterBit(HashOf(table, node.Key));
        }

        return filter;
    }

    [Conditional("DEBUG")]
    private static void AssertBucketInvariants(RhashBucketTable<TKey> table, int index)
    {
        ref RhashBucketLock bucket = ref table.LockOf(index);
        Debug.Assert(bucket.IsLocked, "Bucket invariants are checked under the bucket's lock.");
        int steps = 0;
        for (RhashEntry<TKey>? node = table.Head(index); node is not null; node = node.Next)
        {
            Debug.Assert(node.HomeTable == table && node.HomeIndex == index, "An entry's home is the chain that holds it.");
            Debug.Assert(IndexOf(table, node.Key) == index, "An entry is in the bucket its key hashes to.");
            Debug.Assert((table.Filter(index) & RhashBucketTable<TKey>.FilterBit(HashOf(table, node.Key))) != 0, "The filter has the bit of every entry in the chain.");
            Debug.Assert(++steps < 1 << 24, "A chain is finite.");
        }

        Debug.Assert(!bucket.IsMoved || table.Head(index) is null, "A moved bucket is empty.");
    }
}
