using Reassembly.Concurrency;
using Reassembly.Peers;
using Reassembly.Tests.Helpers;

namespace Reassembly.Tests.Peers;

public sealed class PeerTableAllocationTests
{
    [Fact]
    public void LookupsAndReferencesOfExistingPeersAllocateNothing()
    {
        using var epochs = new EpochDomain();
        using var table = new PeerTable(new PeerTableOptions(), epochs);
        PeerKey[] keys = TestPeerKeys.Many(1000);
        foreach (PeerKey key in keys)
        {
            table.Release(table.GetOrCreate(key, 0), 0);
        }

        Exercise(table, epochs, keys);
        int found = 0;
        long allocated = AllocationProbe.FewestBytes(_ => found = Exercise(table, epochs, keys));

        Assert.Equal(keys.Length, found);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void CreatingAndCollectingPeersAllocatesNothingOnceThePoolIsWarm()
    {
        using var epochs = new EpochDomain();
        using var table = new PeerTable(new PeerTableOptions { IdleTimeToLive = TimeSpan.Zero }, epochs);
        PeerKey[] keys = TestPeerKeys.Many(PeerPool.Capacity / 2);
        long clock = 0;
        for (int warm = 0; warm < 3; warm++)
        {
            Assert.Equal(keys.Length, Cycle(table, keys, ref clock));
        }

        long reusedBefore = table.ReusedCount;
        int collected = 0, rounds = 0;
        long allocated = AllocationProbe.FewestBytes(_ =>
        {
            for (int round = 0; round < 5; round++, rounds++)
            {
                collected += Cycle(table, keys, ref clock);
            }
        });
        Assert.Equal(rounds * keys.Length, collected);

        // Every insertion of the measured rounds came from the pool, so the count proves the path was the pooled one.
        Assert.Equal((long)rounds * keys.Length, table.ReusedCount - reusedBefore);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void A_spoofed_source_flood_reuses_evicted_peers_without_any_collect()
    {
        // Over the threshold every insert evicts idle peers; without Collect (once a second of packet time) they
        // must still come back to the pool, or memory grows with the flood.
        using var epochs = new EpochDomain();
        using var table = new PeerTable(new PeerTableOptions { Threshold = 256 }, epochs);
        PeerKey[] keys = TestPeerKeys.Many(20_000);
        foreach (PeerKey key in keys)
        {
            table.Release(table.GetOrCreate(key, 0), 0);
        }

        Assert.InRange(table.Count, 1, 256 + 1);
        Assert.True(table.ReusedCount > keys.Length / 2, $"only {table.ReusedCount} of {keys.Length} inserts reused a pooled peer");
    }

    [Fact]
    public void A_spoofed_source_flood_over_max_idle_allocates_nothing_once_warm()
    {
        // Each source is held by one queue for the next 250 sources (queues evicted oldest first), then idle; the idle
        // peers beyond MaxIdle are evicted by later insertions and must all come back through the pool.
        using var epochs = new EpochDomain();
        using var table = new PeerTable(new PeerTableOptions(), epochs);
        var held = new Peer?[250];
        PeerKey[] keys = TestPeerKeys.Many(50_000 * (1 + AllocationProbe.DefaultTries));
        int next = 0;
        long clock = 0;
        void Flood(int count)
        {
            for (int i = 0; i < count; i++, next++, clock += 1000)
            {
                ref Peer? slot = ref held[next % held.Length];
                if (slot is not null)
                {
                    table.Release(slot, clock);
                }

                slot = table.GetOrCreate(keys[next], clock);
            }
        }

        Flood(50_000);
        long reusedBefore = table.ReusedCount;
        int measuredStart = next;
        long allocated = AllocationProbe.FewestBytes(_ => Flood(50_000));

        Assert.InRange(table.Count, 1, held.Length + table.Options.MaxIdle + 2);
        Assert.Equal(next - measuredStart, table.ReusedCount - reusedBefore);
        Assert.Equal(0, allocated);
    }

    private static int Exercise(PeerTable table, EpochDomain epochs, PeerKey[] keys)
    {
        int found = 0;
        foreach (PeerKey key in keys)
        {
            using (epochs.EnterRead())
            {
                if (table.Lookup(key) is not null)
                {
                    found++;
                }
            }

            Peer peer = table.GetOrCreate(key, 1);
            peer.NextFragmentSequence();
            table.Release(peer, 1);
        }

        return found;
    }

    /// <summary>Creates and releases every key, then collects them all; returns how many were collected.</summary>
    private static int Cycle(PeerTable table, PeerKey[] keys, ref long clock)
    {
        foreach (PeerKey key in keys)
        {
            table.Release(table.GetOrCreate(key, clock), clock);
        }

        clock += 1000;
        return table.Collect(clock);
    }
}
