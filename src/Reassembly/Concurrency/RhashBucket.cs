using System.Runtime.CompilerServices;
using System.Threading;

namespace Reassembly.Concurrency;

/// <summary>
/// One bucket of one <see cref="RhashBucketTable"/>: the head of its chain (<see cref="RhashNode.Next"/>), the chain's
/// terminator (the last entry links back to the bucket, as the "nulls" marker does in Linux), and the bucket's lock.
/// </summary>
/// <remarks>
/// A lookup that walks off the end of a chain lands on a bucket; if it is not the bucket it started from, an entry it
/// stood on was moved (by a rehash, or removed and re-inserted) and the lookup restarts that bucket, so it never skips
/// the rest of its chain. Because every table has its own bucket objects, the check also tells tables apart.
/// </remarks>
internal sealed class RhashBucket : RhashNode
{
    private int _lock;

    public RhashBucket(RhashBucketTable table, int index)
        : base(isBucket: true)
    {
        Table = table;
        Index = index;
        Next = this;
    }

    /// <summary>The table the bucket belongs to.</summary>
    public RhashBucketTable Table { get; }

    /// <summary>The bucket's index in its table.</summary>
    public int Index { get; }

    /// <summary>
    /// Set (under the lock, once, never cleared) when a rehash has moved every entry of the bucket to the next table;
    /// no entry is ever linked into a moved bucket.
    /// </summary>
    internal bool Moved;

    /// <summary>True while some thread holds the lock (tests and invariant checks).</summary>
    public bool IsLocked => Volatile.Read(ref _lock) != 0;

    /// <summary>Takes the bucket lock: a spin lock, because every critical section is a few pointer writes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Lock()
    {
        if (Interlocked.CompareExchange(ref _lock, 1, 0) != 0)
        {
            LockContended();
        }
    }

    /// <summary>Releases the lock; the release store publishes the section's writes to the next holder.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Unlock() => Volatile.Write(ref _lock, 0);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void LockContended()
    {
        // SpinWait yields and then sleeps, so a holder preempted on a busy two-core machine gets the CPU back.
        var spin = default(SpinWait);
        do
        {
            spin.SpinOnce();
        }
        while (Volatile.Read(ref _lock) != 0 || Interlocked.CompareExchange(ref _lock, 1, 0) != 0);
    }
}
