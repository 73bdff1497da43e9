using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Threading;

namespace Reassembly.Concurrency;

/// <summary>Resizing: when to attach a new table, and moving buckets into it a few at a time.</summary>
internal sealed partial class RhashTable<TKey, TEntry>
{
    /// <summary>True while a rehash is in flight (more than one table).</summary>
    public bool IsRehashing => Volatile.Read(ref _oldest).Future is not null;

    /// <summary>
    /// Moves up to <paramref name="maxBuckets"/> buckets with entries (or 16 times as many empty ones) of the oldest table into the next one (the background step an
    /// owner may run from a timer; inserts and removals run small steps themselves). Returns immediately if another
    /// thread is rehashing.
    /// </summary>
    /// <returns>True while rehash work remains.</returns>
    public bool RehashStep(int maxBuckets)
    {
        // Read before the compare-and-swap: while one thread rehashes, the others' inserts and removals then only read
        // the flag's line instead of taking it from the rehasher's core on every operation.
        if (Volatile.Read(ref _rehashing.Value) != 0 || Interlocked.CompareExchange(ref _rehashing.Value, 1, 0) != 0)
        {
            return IsRehashing;
        }

        try
        {
            RhashBucketTable<TKey> old = _oldest;
            RhashBucketTable<TKey>? next = old.Future;
            if (next is null)
            {
                return false;
            }

            // An empty bucket costs a lock and a flag: count it as 1/16 of a bucket with entries, so that shrinking a big,
            // nearly empty table does not take thousands of steps.
            long budget = (long)maxBuckets * 16;
            int cursor = old.RehashCursor;
            while (budget > 0 && cursor < old.Size)
            {
                budget -= Volatile.Read(ref old.Head(cursor)) is null ? 1 : 16;
                MoveBucket(old, cursor, next, EntryMoved);
                cursor++;
            }

            old.RehashCursor = cursor;
            if (cursor < old.Size)
            {
                return true;
            }

            // Every bucket of `old` is moved and empty: readers may start at `next`. Pairs with Volatile.Read of _oldest
            // in Lookup, InsertIfAbsent and here. Readers already in `old` walk on through its Future.
            Volatile.Write(ref _oldest, next);
            return next.Future is not null;
        }
        finally
        {
            Volatile.Write(ref _rehashing.Value, 0);
        }
    }

    /// <summary>Finishes every rehash in flight (helping, or waiting for, the thread that is rehashing).</summary>
    public void CompleteRehash()
    {
        var spin = default(SpinWait);
        while (IsRehashing)
        {
            if (Volatile.Read(ref _rehashing.Value) != 0)
            {
                spin.SpinOnce();
                continue;
            }

            RehashStep(int.MaxValue);
        }
    }

    /// <summary>
    /// Moves every entry of bucket <paramref name="index"/> of <paramref name="old"/> into <paramref name="next"/>, last
    /// entry first as Linux's rhashtable_rehash_one does, so that a lookup standing on a moved entry has nothing of the
    /// old chain left behind it.
    /// </summary>
    private static void MoveBucket(RhashBucketTable<TKey> old, int index, RhashBucketTable<TKey> next, Action<RhashEntry<TKey>>? entryMoved)
    {
        ref RhashBucketLock bucket = ref old.LockOf(index);
        ref RhashEntry<TKey>? head = ref old.Head(index);
        bucket.Lock();
        bool moved = false;
        try
        {
            AssertBucketInvariants(old, index);
            while (head is not null)
            {
                ref RhashEntry<TKey>? link = ref head;
                while (link!.Next is not null)
                {
                    link = ref link.Next;
                }

                RhashEntry<TKey> entry = link;
                ulong destinationHash = HashOf(next, entry.Key);
                int destinationIndex = next.IndexFor(destinationHash);
                ref RhashBucketLock destination = ref next.LockOf(destinationIndex);
                ref RhashEntry<TKey>? destinationHead = ref next.Head(destinationIndex);
                destination.Lock();
                try
                {
                    Debug.Assert(!destination.IsMoved, "The next table is not rehashing while an older one is.");

                    // Invariants 3 and 6: new home, then the link into the new chain, then publish it there. A lookup
                    // standing on the entry sees the new home and restarts its own chain.
                    Volatile.Write(ref entry.Version, entry.Version + 1);

                    // Release stores: the odd version is visible before the new home, the table before the index (Remove
                    // validates a home it read without the lock against the version; x86 keeps stores in order anyway).
                    Volatile.Write(ref entry.HomeTable, next);
                    Volatile.Write(ref entry.HomeIndex, destinationIndex);
                    Volatile.Write(ref entry.Next, destinationHead);

                    // The destination's filter bit before the entry is reachable there (pairs with the Volatile.Read of
                    // the filter in Lookup and FindInTable). The old bucket's filter keeps its bit: a stale bit costs a walk, never
                    // a miss, and the bucket is about to be marked moved.
                    next.AddToFilter(destinationIndex, destinationHash);
                    Volatile.Write(ref destinationHead, entry);

                    // Only now leave the old chain, and before the destination's lock is released: once a remover can
                    // take that lock (the entry's new home) and unlink the entry, no chain of any table may lead to it.
                    // Left for after the unlock, a mover preempted between the two let a lookup that began after
                    // Remove returned walk the old chain onto the removed entry and return it (seen in the stress
                    // test); with entries recycled through an epoch domain, a long enough preemption would have handed
                    // out a recycled one. Pairs with Volatile.Read of the links in Lookup, FindInTable and FindInChain.
                    Volatile.Write(ref link, null);
                    Volatile.Write(ref entry.Version, entry.Version + 1);
                }
                finally
                {
                    destination.Unlock();
                }

                entryMoved?.Invoke(entry);
            }

            // Pairs with the read of IsMoved in LockHomeBucket (which re-checks it under the lock).
            bucket.MarkMovedAndUnlock();
            moved = true;
        }
        finally
        {
            if (!moved)
            {
                bucket.Unlock();
            }
        }
    }

    private void AfterInsert(RhashBucketTable<TKey> target, long count, int chainLength)
    {
        int size = target.Size;
        if (count >= size)
        {
            // 100 %: grow now, even with other rehashes in flight.
            AttachTable(target, size * 2);
        }
        else if (count > size / 4 * 3 && Volatile.Read(ref _oldest) == target)
        {
            AttachTable(target, size * 2);
        }
        else if (chainLength > MaxChainLength && Volatile.Read(ref _oldest) == target)
        {
            // Load is fine but one chain is long: same size, new secret, which spreads keys aimed at one bucket.
            AttachTable(target, size);
        }

        if (IsRehashing)
        {
            RehashStep(RehashStepBuckets);
        }
    }

    private void AfterRemove(long count)
    {
        RhashBucketTable<TKey> newest = Volatile.Read(ref _newest);
        if (newest.Size > _minBuckets && count * 10 < newest.Size * 3L && Volatile.Read(ref _oldest) == newest)
        {
            // Linux's rhashtable_shrink: the smallest power of two that holds the entries at 2/3 load.
            int fit = Math.Max(_minBuckets, (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(count * 3 / 2, 1)));
            if (fit < newest.Size)
            {
                AttachTable(newest, fit);
            }
        }

        if (IsRehashing)
        {
            RehashStep(RehashStepBuckets);
        }
    }

    /// <summary>
    /// Attaches a table of <paramref name="size"/> buckets after <paramref name="expectedNewest"/>, unless another thread
    /// already attached one after it. Called with no bucket lock held.
    /// </summary>
    /// <returns>True if this call attached the table.</returns>
    private bool AttachTable(RhashBucketTable<TKey> expectedNewest, int size)
    {
        size = Math.Clamp(size, 1, 1 << 30);
        var spin = default(SpinWait);
        while (TableCount() >= MaxTablesInFlight)
        {
            // Bound the chain of tables: finish the oldest rehash first (or wait for whoever is doing it).
            if (!RehashStep(int.MaxValue))
            {
                break;
            }

            spin.SpinOnce();
        }

        lock (_attachLock)
        {
            if (_newest != expectedNewest)
            {
                return false;
            }

            var table = new RhashBucketTable<TKey>(this, size);
            expectedNewest.AttachFuture(table);
            Volatile.Write(ref _newest, table);
            _tablesAttached++;
            return true;
        }
    }

    private int TableCount()
    {
        int count = 0;
        for (RhashBucketTable<TKey>? table = Volatile.Read(ref _oldest); table is not null; table = table.Future)
        {
            count++;
        }

        return count;
    }
}
