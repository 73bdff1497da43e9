using System.Diagnostics;

namespace Reassembly.Core;

/// <summary>
/// The queues of one family that one worker created, oldest first (Linux arms one timer per queue in
/// <c>inet_frag_create</c>; here a list stands in for all of them).
/// </summary>
/// <remarks>
/// Every queue's deadline is the clock at its creation plus the family's fixed timeout, and the clock a worker is given
/// never goes back, so creation order is deadline order: arm (append), cancel (unlink) and expiry (pop the oldest) are
/// O(1). Invariants: deadlines never decrease from <see cref="Oldest"/> to the newest; a queue is in the list if and
/// only if it is in its directory's table. Owned by one worker; the links are <see cref="FragmentQueue.Older"/> and
/// <see cref="FragmentQueue.Newer"/>.
/// </remarks>
internal sealed class ExpiryList
{
    private FragmentQueue? _newest;

    public ExpiryList(long timeoutNanoseconds) => TimeoutNanoseconds = timeoutNanoseconds;

    public long TimeoutNanoseconds { get; }

    public FragmentQueue? Oldest { get; private set; }

    /// <summary>
    /// The deadline of <see cref="Oldest"/>, or <see cref="long.MaxValue"/> when the list is empty: kept here so that the
    /// per-frame "is anything due?" check reads one field of the list instead of a (usually cold) queue object.
    /// </summary>
    public long OldestDeadlineNanoseconds { get; private set; } = long.MaxValue;

    public int Count { get; private set; }

    public void Append(FragmentQueue queue)
    {
        Debug.Assert(_newest is null || _newest.DeadlineNanoseconds <= queue.DeadlineNanoseconds, "Deadlines never decrease.");
        queue.Older = _newest;
        queue.Newer = null;
        if (_newest is null)
        {
            Oldest = queue;
            OldestDeadlineNanoseconds = queue.DeadlineNanoseconds;
        }
        else
        {
            _newest.Newer = queue;
        }

        _newest = queue;
        Count++;
    }

    public void Unlink(FragmentQueue queue)
    {
        if (queue.Older is null)
        {
            Oldest = queue.Newer;
            OldestDeadlineNanoseconds = queue.Newer?.DeadlineNanoseconds ?? long.MaxValue;
        }
        else
        {
            queue.Older.Newer = queue.Newer;
        }

        if (queue.Newer is null)
        {
            _newest = queue.Older;
        }
        else
        {
            queue.Newer.Older = queue.Older;
        }

        queue.Older = queue.Newer = null;
        Count--;
    }
}
