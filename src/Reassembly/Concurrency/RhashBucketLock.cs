using System.Runtime.CompilerServices;
using System.Threading;

namespace Reassembly.Concurrency;

/// <summary>
/// The lock word of one bucket of an <see cref="RhashBucketTable{TKey}"/>: bit 0 is a spin lock, bit 1 the "moved"
/// flag. Kept apart from the filters and chain heads so that lookups, which never lock, touch only those (2 and 8 bytes
/// a bucket; Linux's buckets are 8 bytes with their bit spinlock). Always use it through a <c>ref</c>; a copy is
/// meaningless.
/// </summary>
internal struct RhashBucketLock
{
    private const int LockedBit = 1;
    private const int MovedBit = 2;

    private int _word;

    /// <summary>
    /// Set (under the lock, once, never cleared) when a rehash has moved every entry of the bucket to the next table;
    /// nothing is ever linked into a moved bucket. Read with Volatile.Read; pairs with the release store in
    /// <see cref="MarkMovedAndUnlock"/>.
    /// </summary>
    internal readonly bool IsMoved => (Volatile.Read(ref Unsafe.AsRef(in _word)) & MovedBit) != 0;

    /// <summary>True while some thread holds the lock (invariant checks).</summary>
    internal readonly bool IsLocked => (Volatile.Read(ref Unsafe.AsRef(in _word)) & LockedBit) != 0;

    /// <summary>Takes the lock: a spin lock, because every critical section is a few pointer writes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Lock()
    {
        int word = Volatile.Read(ref _word);
        if ((word & LockedBit) != 0 || Interlocked.CompareExchange(ref _word, word | LockedBit, word) != word)
        {
            LockContended(ref _word);
        }
    }

    /// <summary>Releases the lock; the release store publishes the section's writes to the next holder.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Unlock() => Volatile.Write(ref _word, _word & ~LockedBit);

    /// <summary>Sets the moved flag and releases the lock in one release store (the holder is the only writer).</summary>
    internal void MarkMovedAndUnlock() => Volatile.Write(ref _word, (_word | MovedBit) & ~LockedBit);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void LockContended(ref int word)
    {
        // SpinWait yields and then sleeps, so a holder preempted on a busy two-core machine gets the CPU back.
        var spin = default(SpinWait);
        while (true)
        {
            int current = Volatile.Read(ref word);
            if ((current & LockedBit) == 0 && Interlocked.CompareExchange(ref word, current | LockedBit, current) == current)
            {
                return;
            }

            spin.SpinOnce();
        }
    }
}
