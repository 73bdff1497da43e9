using System.Diagnostics;

namespace Reassembly.Core;

/// <summary>
/// The queues of one family that one worker created, oldest first (Linux arms one timer per queue in
/// <c>inet_frag_create</c>; here a list stands in for all of them).
/// </summary>
/// <remarks>
/// Every queue's deadline is the clock at its creation plus the family's timeout, and the clock a worker is given
/// never goes back, so while the timeout stays the same creation order is deadline order: arm (append), cancel
/// (unlink) and expiry (pop the oldest) are O(1). When a settings update shortens the timeout, a new queue may fall due
/// before older ones: <see cref="Append"/> then walks back past the queues due later (only those armed under the longer
/// timeout, so the walk ends once they are gone). Invariants: deadlines never decrease from <see cref="Oldest"/> to the
/// newest; a queue is in the list if and only if it is in its directory's table. Owned by one worker; the links are
/// <see cref="FragmentQueue.Older"/> and <see cref="FragmentQueue.Newer"/>.
/// </remarks>
internal sealed class ExpiryList
{
    private FragmentQueue? _newest;

    public FragmentQueue? Oldest { get; private set; }

    /// <summary>
    /// The deadline of <see cref="Oldest"/>, or <see cref="long.MaxValue"/> when the list is empty: kept here so that the
    /// per-frame "is anything due?" check reads one field of the list instead of a (usually cold) queue object.
    /// </summary>
    public long OldestDeadlineNanoseconds { get; private set; } = long.MaxValue;

    public int Count { get; private set; }

    public void Append(FragmentQueue queue)
    {
        if (_newest is not null && _newest.DeadlineNanoseconds > queue.DeadlineNanoseconds)
        {
            InsertBeforeLater(queue);
            return;
        }

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

    /// <summary>The timeout was shortened: links <paramref name="queue"/> after the newest queue due no later than it.</summary>
    private void InsertBeforeLater(FragmentQueue queue)
    {
        FragmentQueue later = _newest!;
        while (later.Older is { } older && older.DeadlineNanoseconds > queue.DeadlineNanoseconds)
        {
            later = older;
        }

        // later is the oldest queue due after this one.
        queue.Newer = later;
        queue.Older = later.Older;
        if (later.Older is null)
        {
            Oldest = queue;
            OldestDeadlineNanoseconds = queue.DeadlineNanoseconds;
        }
        else
        {
            later.Older.Newer = queue;
        }

        later.Older = queue;
        Count++;
        AssertInvariants();
    }

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        int count = 0;
        long previous = long.MinValue;
        for (FragmentQueue? queue = Oldest; queue is not null; queue = queue.Newer)
        {
            Debug.Assert(queue.DeadlineNanoseconds >= previous, "Deadlines never decrease from the oldest to the newest.");
            previous = queue.DeadlineNanoseconds;
            count++;
        }

        Debug.Assert(count == Count, "Count is the length of the list.");
    }
}
