using System.Collections.Generic;
using System.Numerics;
using System.Threading;

namespace Reassembly.Concurrency;

/// <summary>Hooks for tests and benchmarks: force a resize, look at the shape, check the invariants.</summary>
internal sealed partial class RhashTable<TKey, TEntry>
{
    /// <summary>
    /// Called by the rehasher after each entry it moves, holding the old bucket's lock but not the destination's: a test
    /// pauses the mover there to act in the window a preempted mover leaves open. Set before the rehash starts; null
    /// but in tests, and read once per moved entry, never by a lookup.
    /// </summary>
    internal Action<RhashEntry<TKey>>? EntryMoved { get; set; }

    /// <summary>Tables in flight (1 when no rehash is).</summary>
    internal int TablesInFlight => TableCount();

    /// <summary>Bucket count of the newest table (the one inserts go to).</summary>
    internal int NewestBucketCount => Volatile.Read(ref _newest).Size;

    /// <summary>Bucket count of the oldest table (the one being rehashed, if any).</summary>
    internal int OldestBucketCount => Volatile.Read(ref _oldest).Size;

    /// <summary>Tables attached by resizes since construction.</summary>
    internal int TablesAttached => Volatile.Read(ref _tablesAttached);

    /// <summary>The smallest bucket count the table shrinks to.</summary>
    internal int MinBuckets => _minBuckets;

    /// <summary>Whether the filter of <paramref name="key"/>'s bucket in the newest table has the key's bit.</summary>
    internal bool FilterAdmits(in TKey key)
    {
        RhashBucketTable<TKey> newest = Volatile.Read(ref _newest);
        ulong hash = HashOf(newest, in key);
        return newest.FilterAdmits(newest.IndexFor(hash), hash);
    }

    /// <summary>Attaches a new table of <paramref name="buckets"/> (rounded up to a power of two) after the newest, as a resize would.</summary>
    internal void ForceRehash(int buckets)
    {
        int size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(buckets, 1));
        while (!AttachTable(Volatile.Read(ref _newest), size))
        {
        }
    }

    /// <summary>The longest bucket chain in any table in flight (racy while writers run).</summary>
    internal int MaxBucketChainLength()
    {
        int longest = 0;
        for (RhashBucketTable<TKey>? table = Volatile.Read(ref _oldest); table is not null; table = table.Future)
        {
            for (int i = 0; i < table.Size; i++)
            {
                int length = 0;
                for (RhashEntry<TKey>? node = Volatile.Read(ref table.Head(i)); node is not null && length <= Count; node = Volatile.Read(ref node.Next))
                {
                    length++;
                }

                longest = Math.Max(longest, length);
            }
        }

        return longest;
    }

    /// <summary>
    /// Checks every invariant of the type remarks; call only while no writer runs. Throws
    /// <see cref="InvalidOperationException"/> naming the first one broken. Compiled in every configuration, unlike
    /// the per-bucket Debug.Asserts in the locked sections.
    /// </summary>
    internal void AssertInvariants()
    {
        var keys = new HashSet<TKey>();
        long entries = 0;
        int tableIndex = 0;
        RhashBucketTable<TKey> oldest = Volatile.Read(ref _oldest);
        RhashBucketTable<TKey>? last = null;
        for (RhashBucketTable<TKey>? table = oldest; table is not null; table = table.Future, tableIndex++)
        {
            Check(table.Owner == this, "every table belongs to this RhashTable");
            Check(BitOperations.IsPow2(table.Size), "table sizes are powers of two");
            Check(table == oldest || table.RehashCursor == 0, "only the oldest table has moved buckets (2)");
            Check(table.RehashCursor < table.Size || table.Future is null, "a fully moved table is no longer the oldest");
            for (int i = 0; i < table.Size; i++)
            {
                ref RhashBucketLock bucket = ref table.LockOf(i);
                Check(!bucket.IsLocked, "no bucket lock is held when quiescent");
                Check(bucket.IsMoved == (i < table.RehashCursor), "buckets [0, RehashCursor) of the oldest table are moved (2)");
                Check(!bucket.IsMoved || table.Head(i) is null, "a moved bucket is empty (2)");
                Check(bucket.IsMoved || table.Head(i) is not null || table.Filter(i) == 0, "an empty bucket that is not moved has a clear filter (8)");
                long steps = 0;
                for (RhashEntry<TKey>? node = table.Head(i); node is not null; node = node.Next)
                {
                    Check(node.HomeTable == table && node.HomeIndex == i, "an entry's home is the chain that holds it (1)");
                    Check(IndexOf(table, node.Key) == i, "an entry is in the bucket its key hashes to in its table (1)");
                    Check((table.Filter(i) & RhashBucketTable<TKey>.FilterBit(HashOf(table, node.Key))) != 0, "a bucket's filter has the bit of every entry in its chain (8)");
                    Check(keys.Add(node.Key), "no key is in the table twice");
                    Check(++steps <= Count + 1L, "chains are finite");
                    entries++;
                }
            }

            last = table;
        }

        Check(last == Volatile.Read(ref _newest), "the newest table is the end of the chain (5)");
        Check(entries == Count, "Count is the number of linked entries (6)");
        Check(last!.Size >= 1 && tableIndex <= MaxTablesInFlight + 1, "the chain of tables is bounded");

        static void Check(bool condition, string invariant)
        {
            if (!condition)
            {
                throw new InvalidOperationException("RhashTable invariant broken: " + invariant + ".");
            }
        }
    }
}
