using Reassembly.Concurrency;
using Reassembly.Core;
using Reassembly.Tests.Concurrency.Helpers;

namespace Reassembly.Tests.Core;

public sealed class FragmentQueuePoolTests
{
    [Fact]
    public void A_shared_pool_hands_removed_queues_to_the_domain_a_batch_at_a_time_and_gets_them_back_after_a_grace_period()
    {
        using var epochs = new EpochDomain();
        var pool = new FragmentQueuePool(epochs, alone: false);
        var queues = new FragmentQueue[FragmentQueuePool.RetireBatchSize + 3];
        for (int i = 0; i < queues.Length; i++)
        {
            queues[i] = pool.Rent();
        }

        // Another worker inside a lookup the whole time: the pool cannot take the quiescent shortcut.
        using var reader = new ParkedReaderThread(epochs);
        for (int i = 0; i < queues.Length - 1; i++)
        {
            pool.Retire(queues[i]);
        }

        // One full batch went to the domain, as one object; the rest wait in the worker's own batch.
        Assert.Equal(1, epochs.PendingCount);

        pool.Retire(queues[^1]);
        pool.FlushRetired();
        Assert.Equal(2, epochs.PendingCount);

        reader.Release();
        epochs.Synchronize();
        pool.TakeBackReclaimed();
        var rented = new HashSet<FragmentQueue>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < queues.Length; i++)
        {
            rented.Add(pool.Rent());
        }

        // Every queue came back, and none was handed out twice.
        Assert.Equal(queues.Length, rented.Count);
        Assert.All(queues, queue => Assert.Contains(queue, rented));
    }

    [Fact]
    public void A_shared_pool_reuses_removed_queues_at_once_when_no_other_worker_is_inside_a_lookup()
    {
        using var epochs = new EpochDomain();
        var pool = new FragmentQueuePool(epochs, alone: false);
        var queues = new FragmentQueue[FragmentQueuePool.QuickReuseInterval];
        for (int i = 0; i < queues.Length; i++)
        {
            queues[i] = pool.Rent();
        }

        for (int i = 0; i < queues.Length; i++)
        {
            pool.Retire(queues[i]);
        }

        // Nothing went to the domain: the queues are spares again, the last removed first (the warmest).
        Assert.Equal(0, epochs.PendingCount);
        for (int i = queues.Length - 1; i >= 0; i--)
        {
            Assert.Same(queues[i], pool.Rent());
        }
    }

    [Fact]
    public void A_lone_pool_reuses_a_removed_queue_at_once()
    {
        using var epochs = new EpochDomain();
        var pool = new FragmentQueuePool(epochs, alone: true);
        FragmentQueue queue = pool.Rent();
        pool.Retire(queue);

        Assert.Equal(0, epochs.PendingCount);
        Assert.Same(queue, pool.Rent());
    }
}
