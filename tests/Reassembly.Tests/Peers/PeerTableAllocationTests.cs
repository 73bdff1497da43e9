using Reassembly.Concurrency;
using Reassembly.Peers;

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
        long before = GC.GetAllocatedBytesForCurrentThread();
        int found = Exercise(table, epochs, keys);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

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
        int collected = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int round = 0; round < 5; round++)
        {
            collected += Cycle(table, keys, ref clock);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(5 * keys.Length, collected);

        // Every insertion of the measured rounds came from the pool, so the count proves the path was the pooled one.
        Assert.Equal(5L * keys.Length, table.ReusedCount - reusedBefore);
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
