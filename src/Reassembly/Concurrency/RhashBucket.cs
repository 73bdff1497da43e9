using System.Runtime.CompilerServices;
using System.Threading;

namespace Reassembly.Concurrency;

/// <summary>
/// One bucket of an <see cref="RhashBucketTable{TKey}"/>, stored inline in the table's array: the chain head, the
/// bucket's spin lock and the moved flag. Always use it through a <c>ref</c>; a copy is meaningless.
/// </summary>
internal struct RhashBucket<TKey>
    where TKey : struct
{
    /// <summary>
    /// The first entry of the chain (null when empty). Written under the lock with Volatile.Write, read by lookups with
    /// Volatile.Read.
    /// </summary>
    internal RhashEntry<TKey>? Head;

    /// <summary>
    /// Set (under the lock, once, never cleared) when a rehash has moved every entry of the bucket to the next table;
    /// nothing is ever linked into a moved bucket.
    /// </summary>
    internal bool Moved;

    private int _lock;

    /// <summary>True while some thread holds the lock (invariant checks).</summary>
    internal readonly bool IsLocked => Volatile.Read(ref Unsafe.AsRef(in _lock)) != 0;

    /// <summary>Takes the lock: a spin lock, because every critical section is a few pointer writes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Lock()
    {
        if (Interlocked.CompareExchange(ref _lock, 1, 0) != 0)
        {
            LockContended(ref _lock);
        }
    }

    /// <summary>Releases the lock; the release store publishes the section's writes to the next holder.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Unlock() => Volatile.Write(ref _lock, 0);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void LockContended(ref int word)
    {
        // SpinWait yields and then sleeps, so a holder preempted on a busy two-core machine gets the CPU back.
        var spin = default(SpinWait);
        do
        {
            spin.SpinOnce();
        }
        while (Volatile.Read(ref word) != 0 || Interlocked.CompareExchange(ref word, 1, 0) != 0);
    }
}
