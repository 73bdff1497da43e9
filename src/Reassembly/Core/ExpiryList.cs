using System.Diagnostics;
using Reassembly.Timers;

namespace Reassembly.Core;

/// <summary>
/// The queues of one family that the worker's timer wheel has just fired, waiting to expire, in (deadline, arm order):
/// the order the engine has always expired queues in, so a replay's output does not depend on how timers are kept.
/// </summary>
/// <remarks>
/// The wheel fires a batch in non-decreasing deadline order but leaves equal deadlines in an unspecified order, so
/// <see cref="Append"/> walks back only past queues with the same deadline and a later
/// <see cref="FragmentQueue.TimerSequence"/> (a tie: usually none, so O(1)). The worker empties the list within the same
/// expiry pass. Invariants: (deadline, sequence) strictly increases from <see cref="Oldest"/> to the newest; a queue is
/// in the list exactly when <see cref="FragmentQueue.AwaitingExpiry"/> is set. Owned by one worker. The links are the
/// <c>Previous</c>/<c>Next</c> fields of the queue's <see cref="FragmentQueue.Timer"/>, free once the timer has fired
/// (a queue's object size is charged to its namespace, so it has no second pair).
/// </remarks>
internal sealed class ExpiryList
{
    private FragmentQueue? _newest;

    public FragmentQueue? Oldest { get; private set; }

    public int Count { get; private set; }

    public void Append(FragmentQueue queue)
    {
        Debug.Assert(!queue.AwaitingExpiry, "A queue waits to expire once.");
        queue.AwaitingExpiry = true;
        if (_newest is not null && IsLater(_newest, queue))
        {
            InsertBeforeLater(queue);
            return;
        }

        SetOlder(queue, _newest);
        SetNewer(queue, null);
        if (_newest is null)
        {
            Oldest = queue;
        }
        else
        {
            SetNewer(_newest, queue);
        }

        _newest = queue;
        Count++;
    }

    public void Unlink(FragmentQueue queue)
    {
        Debug.Assert(queue.AwaitingExpiry, "Only a queue waiting to expire is in the list.");
        queue.AwaitingExpiry = false;
        FragmentQueue? older = Older(queue);
        FragmentQueue? newer = Newer(queue);
        if (older is null)
        {
            Oldest = newer;
        }
        else
        {
            SetNewer(older, newer);
        }

        if (newer is null)
        {
            _newest = older;
        }
        else
        {
            SetOlder(newer, older);
        }

        SetOlder(queue, null);
        SetNewer(queue, null);
        Count--;
    }

    private static FragmentQueue? Older(FragmentQueue queue) => queue.Timer.Previous?.Owner;

    private static FragmentQueue? Newer(FragmentQueue queue) => queue.Timer.Next?.Owner;

    private static void SetOlder(FragmentQueue queue, FragmentQueue? older) => queue.Timer.Previous = older?.Timer;

    private static void SetNewer(FragmentQueue queue, FragmentQueue? newer) => queue.Timer.Next = newer?.Timer;

    private static bool IsLater(FragmentQueue a, FragmentQueue b) =>
        a.DeadlineNanoseconds > b.DeadlineNanoseconds
        || (a.DeadlineNanoseconds == b.DeadlineNanoseconds && a.TimerSequence > b.TimerSequence);

    /// <summary>Links <paramref name="queue"/> after the newest queue that expires before it.</summary>
    private void InsertBeforeLater(FragmentQueue queue)
    {
        FragmentQueue later = _newest!;
        while (Older(later) is { } older && IsLater(older, queue))
        {
            later = older;
        }

        // later is the first queue that expires after this one.
        FragmentQueue? before = Older(later);
        SetNewer(queue, later);
        SetOlder(queue, before);
        if (before is null)
        {
            Oldest = queue;
        }
        else
        {
            SetNewer(before, queue);
        }

        SetOlder(later, queue);
        Count++;
        AssertInvariants();
    }

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        int count = 0;
        FragmentQueue? previous = null;
        for (FragmentQueue? queue = Oldest; queue is not null; queue = Newer(queue))
        {
            Debug.Assert(previous is null || IsLater(queue, previous), "(deadline, sequence) increases from the oldest to the newest.");
            previous = queue;
            count++;
        }

        Debug.Assert(count == Count, "Count is the length of the list.");
    }
}
