namespace Reassembly.Concurrency;

/// <summary>
/// The objects retired during one epoch, reclaimed together once that epoch's grace period has elapsed (the
/// rcu_pending idea: one grace-period check per batch, not per object). Batches and their arrays are reused, so
/// retiring allocates nothing once the domain has seen its working set.
/// </summary>
/// <remarks>Filled under the domain's retire lock; drained by the one thread that holds the domain's reclaim flag.</remarks>
internal sealed class EpochRetireBatch
{
    private const int InitialCapacity = 64;

    private object?[] _items = new object?[InitialCapacity];
    private IEpochReclaimer?[] _reclaimers = new IEpochReclaimer?[InitialCapacity];

    /// <summary>The epoch during which every object of the batch was retired.</summary>
    public long Epoch { get; set; }

    /// <summary>Objects waiting in the batch.</summary>
    public int Count { get; private set; }

    public void Add(object item, IEpochReclaimer reclaimer)
    {
        if (Count == _items.Length)
        {
            Array.Resize(ref _items, Count * 2);
            Array.Resize(ref _reclaimers, Count * 2);
        }

        _items[Count] = item;
        _reclaimers[Count] = reclaimer;
        Count++;
    }

    /// <summary>Hands every object to its reclaimer, in retire order, and empties the batch (capacity kept).</summary>
    public void ReclaimAll()
    {
        int count = Count;
        Count = 0;
        object?[] items = _items;
        IEpochReclaimer?[] reclaimers = _reclaimers;
        try
        {
            for (int i = 0; i < count; i++)
            {
                reclaimers[i]!.Reclaim(items[i]!);
            }
        }
        finally
        {
            // Drop the references so that a batch parked in the spare list keeps nothing alive.
            Array.Clear(items, 0, count);
            Array.Clear(reclaimers, 0, count);
        }
    }
}
