using Reassembly.Concurrency;

namespace Reassembly.Core;

/// <summary>
/// Removed queues of one worker that wait out a grace period together, as one object in the epoch domain (the
/// rcu_pending idea of handing a grace period a batch rather than each object).
/// </summary>
/// <remarks>
/// Why a batch object and not the queues themselves: reclamation runs on whichever thread polled the domain. Handed
/// queue by queue, that thread wrote every queue's return link, so each queue's header moved to its core and back to
/// the owner's when reused; handed as a batch, the poller writes one link in this object and the owner moves the
/// references out of <see cref="Queues"/>, an array no other thread touches. Only the owner fills and empties a batch.
/// </remarks>
internal sealed class RetiredQueueBatch : IReturnStackNode<RetiredQueueBatch>
{
    /// <param name="capacity">The queues a full batch holds.</param>
    public RetiredQueueBatch(int capacity) => Queues = new FragmentQueue[capacity];

    /// <summary>The queues, the first <see cref="Count"/> of them in use.</summary>
    public FragmentQueue[] Queues { get; }

    /// <summary>How many of <see cref="Queues"/> are in use.</summary>
    public int Count { get; private set; }

    /// <summary>Whether the batch is full and should be handed to the domain.</summary>
    public bool IsFull => Count == Queues.Length;

    /// <inheritdoc/>
    public RetiredQueueBatch? NextReturned { get; set; }

    /// <summary>Adds a removed queue; the caller checks <see cref="IsFull"/> first.</summary>
    public void Add(FragmentQueue queue) => Queues[Count++] = queue;

    /// <summary>Forgets every queue (the owner has taken them back), so that the batch can be filled again.</summary>
    public void Clear()
    {
        Array.Clear(Queues, 0, Count);
        Count = 0;
    }
}
