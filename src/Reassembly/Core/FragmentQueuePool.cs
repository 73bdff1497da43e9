using System.Collections.Generic;
using System.Threading;
using Reassembly.Concurrency;

namespace Reassembly.Core;

/// <summary>
/// Queue objects a worker has used and may reuse, so that a steady stream of datagrams creates no garbage. One per
/// worker; <see cref="Rent"/>, <see cref="ReturnUnpublished"/> and <see cref="TakeBackReclaimed"/> run on its thread.
/// </summary>
/// <remarks>
/// A removed queue may still be walked through by another worker's lock-free lookup in the shared table, so it is
/// retired to the engine's <see cref="EpochDomain"/> (<see cref="Retire"/>) and comes back through
/// <see cref="IEpochReclaimer.Reclaim"/> only after a grace period.
/// <para>Removed queues gather in <see cref="_retiring"/>, a <see cref="RetiredQueueBatch"/> of the worker's own, and
/// enter the domain <see cref="RetireBatchSize"/> at a time, as one object: the domain's retire lock and pending count
/// are shared by every worker, and taking them per datagram moved their cache line between the cores on almost every
/// removal. Reclaim runs on whichever thread polled the domain, so it pushes the whole batch onto
/// <see cref="_reclaimed"/>, a <see cref="ReturnStack{T}"/> that the owner empties in <see cref="TakeBackReclaimed"/>
/// (no lock, and no queue touched on the polling thread). Waiting in a batch is safe (a queue that enters the domain
/// later only waits longer) and bounded (at most a batch per worker); <see cref="Rent"/> flushes before it polls, and
/// <see cref="FlushRetired"/> lets the engine flush before it waits out a grace period.</para>
/// </remarks>
internal sealed class FragmentQueuePool : IEpochReclaimer
{
    private readonly EpochDomain _epochs;
    private FragmentQueue[] _spare = new FragmentQueue[64];
    private int _count;
    private ReturnStack<RetiredQueueBatch> _reclaimed;
    private int _rentsSinceForcedReclaim = ForcedReclaimInterval;

    /// <summary>The fewest rents between two forced reclaims (each takes the domain's retire lock and scans every slot).</summary>
    private const int ForcedReclaimInterval = 32;

    private readonly bool _alone;

    /// <summary>Removed queues handed to the domain together (one retire-lock acquisition each).</summary>
    internal const int RetireBatchSize = 32;

    /// <summary>
    /// Every this many removals, the queues gathered so far are reused at once if no other worker is inside a lookup
    /// (one fence and a load per worker, shared by as many queues, which come back a few datagrams after they left).
    /// </summary>
    internal const int QuickReuseInterval = 8;

    private RetiredQueueBatch _retiring = new(RetireBatchSize);

    // Emptied batches, for the next ones to fill: a steady stream of datagrams allocates no batch either.
    private readonly Stack<RetiredQueueBatch> _spareBatches = new();

    /// <param name="epochs">The engine's domain, which removed queues wait in for a grace period.</param>
    /// <param name="alone">
    /// True when the worker is its engine's only one: no other thread ever walks the tables, so a grace period is
    /// empty and a removed queue can be reused at once (nothing is retired, no barrier is paid).
    /// </param>
    public FragmentQueuePool(EpochDomain epochs, bool alone)
    {
        _epochs = epochs;
        _alone = alone;
    }

    /// <summary>Whether lookups need a read scope: only when other workers may retire queues meanwhile.</summary>
    public bool NeedsReadScope => !_alone;

    /// <summary>A queue no reader can still see: a spare, one the grace period gave back, or a new one.</summary>
    /// <remarks>Call outside any read scope of the domain, or the forced poll cannot reclaim what this thread might see.</remarks>
    public FragmentQueue Rent()
    {
        _rentsSinceForcedReclaim++;
        if (_count == 0)
        {
            TakeBackReclaimed();
            if (_count == 0)
            {
                // Whatever waits for a grace period may be ripe: take it back before allocating. A reclaim takes the
                // domain's retire lock, which every worker's retires share, so it is forced at most once per
                // ForcedReclaimInterval rents; in between the domain reclaims by itself once a batch is pending. Either
                // way a steady stream of datagrams soon allocates nothing.
                bool force = _rentsSinceForcedReclaim >= ForcedReclaimInterval;
                if (force)
                {
                    _rentsSinceForcedReclaim = 0;
                }

                // What waits in our own batch cannot be reclaimed until the domain has it.
                FlushRetired();
                _epochs.Poll(force);
                TakeBackReclaimed();
            }
        }

        return _count > 0 ? _spare[--_count] : new FragmentQueue();
    }

    /// <summary>Gives back a queue that was never reachable by another thread (its insert lost).</summary>
    public void ReturnUnpublished(FragmentQueue queue) => Push(queue);

    /// <summary>Queues a removed queue for reuse after a grace period.</summary>
    public void Retire(FragmentQueue queue)
    {
        if (_alone)
        {
            Push(queue);
            return;
        }

        _retiring.Add(queue);
        if (_retiring.Count % QuickReuseInterval == 0 && _epochs.NoOtherReaderInside())
        {
            // No other worker is inside a lookup: nothing can reach these queues any more, so they are reused at once,
            // while they are still warm, as a lone worker's are (EpochDomain's quiescent shortcut).
            PushAll(_retiring);
            return;
        }

        if (_retiring.IsFull)
        {
            FlushRetired();
        }
    }

    /// <summary>
    /// On the owner's thread (or with no worker running): hands the queues gathered by <see cref="Retire"/> to the domain,
    /// so that its next grace period covers them.
    /// </summary>
    public void FlushRetired()
    {
        if (_retiring.Count == 0)
        {
            return;
        }

        _epochs.Retire(_retiring, this);
        _retiring = _spareBatches.Count > 0 ? _spareBatches.Pop() : new RetiredQueueBatch(RetireBatchSize);
    }

    void IEpochReclaimer.Reclaim(object item) => _reclaimed.Push((RetiredQueueBatch)item);

    /// <summary>On the owner's thread (or with no worker running): moves every reclaimed queue to the spares.</summary>
    public void TakeBackReclaimed()
    {
        RetiredQueueBatch? batch = _reclaimed.TakeAll();
        while (batch is not null)
        {
            RetiredQueueBatch? next = batch.NextReturned;
            batch.NextReturned = null;
            PushAll(batch);
            _spareBatches.Push(batch);
            batch = next;
        }
    }

    // Every queue of the batch becomes a spare (the last one added is rented first); the batch is left empty.
    private void PushAll(RetiredQueueBatch batch)
    {
        FragmentQueue[] queues = batch.Queues;
        for (int i = 0; i < batch.Count; i++)
        {
            Push(queues[i]);
        }

        batch.Clear();
    }

    private void Push(FragmentQueue queue)
    {
        if (_count == _spare.Length)
        {
            Array.Resize(ref _spare, _spare.Length * 2);
        }

        _spare[_count++] = queue;
    }
}
