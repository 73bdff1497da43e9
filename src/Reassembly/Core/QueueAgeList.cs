using System.Diagnostics;

namespace Reassembly.Core;

/// <summary>
/// The live queues of one directory (one worker, namespace and family), oldest first: the order in which memory
/// pressure evicts them (Linux's evictor took the LRU of <c>fqdir</c>; here age is creation order).
/// </summary>
/// <remarks>
/// The worker's <see cref="ExpiryList"/> spans every namespace, so it cannot give a namespace's oldest queue in O(1);
/// this list can. Invariants: a queue is on the list from the fragment that created it until its removal
/// (<see cref="FragmentQueue.ReleaseBuffer"/>); <see cref="FragmentQueue.AgeStamp"/> increases from <see cref="Oldest"/>
/// on (library callers need not give frame indices, so those cannot order queues). Owned by one worker; the links are
/// <see cref="FragmentQueue.AgeOlder"/> and <see cref="FragmentQueue.AgeNewer"/>.
/// </remarks>
internal sealed class QueueAgeList
{
    private FragmentQueue? _newest;

    /// <summary>The oldest live queue, or null.</summary>
    public FragmentQueue? Oldest { get; private set; }

    /// <summary>Queues on the list.</summary>
    public int Count { get; private set; }

    public void Append(FragmentQueue queue)
    {
        Debug.Assert(queue.AgeOlder is null && queue.AgeNewer is null && Oldest != queue, "A queue is appended once.");
        queue.AgeOlder = _newest;
        if (_newest is null)
        {
            Oldest = queue;
        }
        else
        {
            _newest.AgeNewer = queue;
        }

        _newest = queue;
        Count++;
    }

    public void Unlink(FragmentQueue queue)
    {
        if (queue.AgeOlder is null)
        {
            Debug.Assert(Oldest == queue, "Only the oldest queue has no older one.");
            Oldest = queue.AgeNewer;
        }
        else
        {
            queue.AgeOlder.AgeNewer = queue.AgeNewer;
        }

        if (queue.AgeNewer is null)
        {
            _newest = queue.AgeOlder;
        }
        else
        {
            queue.AgeNewer.AgeOlder = queue.AgeOlder;
        }

        queue.AgeOlder = queue.AgeNewer = null;
        Count--;
    }
}
