using Reassembly.Concurrency;
using Reassembly.Peers;

namespace Reassembly.Tests.Peers;

public sealed class PeerTableTests : IDisposable
{
    private const long Second = 1_000_000_000;

    private readonly EpochDomain _epochs = new();

    public void Dispose() => _epochs.Dispose();

    private PeerTable NewTable(int threshold = 1000, TimeSpan? ttl = null) =>
        new(new PeerTableOptions { Threshold = threshold, MaxIdle = int.MaxValue, IdleTimeToLive = ttl ?? TimeSpan.FromSeconds(10) }, _epochs);

    [Fact]
    public void GetOrCreateReturnsTheSamePeerForTheSameKeyAndCountsEachReference()
    {
        using PeerTable table = NewTable();
        PeerKey key = TestPeerKeys.Make(7);

        Peer first = table.GetOrCreate(key, 1);
        Peer second = table.GetOrCreate(key, 2);

        Assert.Same(first, second);
        Assert.Equal(key, first.Key);
        Assert.Equal(2, first.ReferenceCount);
        Assert.Equal(1, table.Count);
        Assert.Equal(2, first.LastUsedNanoseconds);
        table.AssertInvariants();
    }

    [Fact]
    public void LookupFindsAPeerWithoutTakingAReferenceAndMissesAnAbsentKey()
    {
        using PeerTable table = NewTable();
        Peer peer = table.GetOrCreate(TestPeerKeys.Make(1), 0);

        Assert.Same(peer, table.Lookup(TestPeerKeys.Make(1)));
        Assert.Equal(1, peer.ReferenceCount);
        Assert.Null(table.Lookup(TestPeerKeys.Make(2)));
    }

    [Fact]
    public void ReleasingTheLastReferenceMakesThePeerIdleAndStampsIt()
    {
        using PeerTable table = NewTable();
        Peer peer = table.GetOrCreate(TestPeerKeys.Make(1), 0);
        table.GetOrCreate(TestPeerKeys.Make(1), 1);

        table.Release(peer, 5);
        Assert.Empty(table.IdleKeysLeastRecentFirst());
        table.Release(peer, 9);

        Assert.Equal(0, peer.ReferenceCount);
        Assert.Equal(9, peer.LastUsedNanoseconds);
        Assert.Equal([peer.Key], table.IdleKeysLeastRecentFirst());
        table.AssertInvariants();
    }

    [Fact]
    public void ReleasingMoreOftenThanAcquiredThrows()
    {
        using PeerTable table = NewTable();
        Peer peer = table.GetOrCreate(TestPeerKeys.Make(1), 0);
        table.Release(peer, 1);

        Assert.Throws<InvalidOperationException>(() => table.Release(peer, 2));
        table.AssertInvariants();
    }

    [Fact]
    public void CollectRemovesExpiredIdlePeersLeastRecentlyUsedFirstAndKeepsYoungOnes()
    {
        using PeerTable table = NewTable(ttl: TimeSpan.FromSeconds(10));
        Peer[] peers = new Peer[4];
        for (int i = 0; i < peers.Length; i++)
        {
            peers[i] = table.GetOrCreate(TestPeerKeys.Make(i), 0);
        }

        // Released in the order 2, 0, 3, 1, one second apart: that is the LRU order.
        int[] releaseOrder = [2, 0, 3, 1];
        for (int i = 0; i < releaseOrder.Length; i++)
        {
            table.Release(peers[releaseOrder[i]], i * Second);
        }

        Assert.Equal([peers[2].Key, peers[0].Key, peers[3].Key, peers[1].Key], table.IdleKeysLeastRecentFirst());

        // At 11.5 s the first two (released at 0 s and 1 s) have been idle for 10 s or more.
        Assert.Equal(2, table.Collect((11 * Second) + (Second / 2)));
        Assert.Null(table.Lookup(peers[2].Key));
        Assert.Null(table.Lookup(peers[0].Key));
        Assert.Same(peers[3], table.Lookup(peers[3].Key));
        Assert.Equal([peers[3].Key, peers[1].Key], table.IdleKeysLeastRecentFirst());
        Assert.Equal(Peer.Dead, peers[2].ReferenceCount);
        table.AssertInvariants();
    }

    [Fact]
    public void CollectNeverRemovesAReferencedPeerHoweverOldOrCrowded()
    {
        using PeerTable table = NewTable(threshold: 2, ttl: TimeSpan.FromSeconds(1));
        Peer held = table.GetOrCreate(TestPeerKeys.Make(0), 0);
        Peer reacquired = table.GetOrCreate(TestPeerKeys.Make(1), 0);
        table.Release(reacquired, 0);

        // Taken again without the lock: it stays on the LRU list until Collect passes it, and must survive that.
        Assert.Same(reacquired, table.GetOrCreate(TestPeerKeys.Make(1), 0));
        table.GetOrCreate(TestPeerKeys.Make(2), 0);

        Assert.Equal(0, table.Collect(1000 * Second));
        Assert.Equal(3, table.Count);
        Assert.Same(held, table.Lookup(held.Key));
        Assert.Same(reacquired, table.Lookup(reacquired.Key));
        table.AssertInvariants();
    }

    [Fact]
    public void AboveTheThresholdCollectEvictsIdlePeersLeastRecentlyUsedFirstWhateverTheirAge()
    {
        using PeerTable table = NewTable(threshold: 1000, ttl: TimeSpan.FromHours(1));
        var peers = new List<Peer>();
        for (int i = 0; i < 1003; i++)
        {
            peers.Add(table.GetOrCreate(TestPeerKeys.Make(i), 0));
        }

        // The insertions above 1000 already evicted what they could: nothing was idle.
        Assert.Equal(1003, table.Count);
        for (int i = peers.Count - 1; i >= 0; i--)
        {
            table.Release(peers[i], peers.Count - i);
        }

        Assert.Equal(3, table.Collect(peers.Count + 1));
        Assert.Equal(1000, table.Count);
        for (int i = 0; i < peers.Count; i++)
        {
            // Released last-first, so the three highest indices were the least recently used.
            Assert.Equal(i < 1000, table.Lookup(peers[i].Key) is not null);
        }

        table.AssertInvariants();
    }

    [Fact]
    public void AnInsertionAboveTheThresholdEvictsTheLeastRecentlyUsedIdlePeer()
    {
        using PeerTable table = NewTable(threshold: 4, ttl: TimeSpan.FromHours(1));
        for (int i = 0; i < 4; i++)
        {
            table.Release(table.GetOrCreate(TestPeerKeys.Make(i), i), i);
        }

        table.GetOrCreate(TestPeerKeys.Make(10), 10);

        Assert.Equal(4, table.Count);
        Assert.Null(table.Lookup(TestPeerKeys.Make(0)));
        Assert.NotNull(table.Lookup(TestPeerKeys.Make(1)));
        table.AssertInvariants();
    }

    [Fact]
    public void MoreIdlePeersThanMaxIdleAreEvictedLeastRecentlyUsedFirstWhileReferencedOnesStay()
    {
        using var table = new PeerTable(
            new PeerTableOptions { Threshold = 1 << 20, MaxIdle = 8, IdleTimeToLive = TimeSpan.FromHours(1) }, _epochs);
        var held = new List<Peer>();
        for (int i = 0; i < 100; i++)
        {
            Peer peer = table.GetOrCreate(TestPeerKeys.Make(i), i);
            if (i % 10 == 0)
            {
                // A live queue's peer: never idle, never evicted.
                held.Add(peer);
            }
            else
            {
                table.Release(peer, i);
            }

            // Each insertion trims what the releases before it left over the limit, two at a time.
            Assert.InRange(table.Count, 1, held.Count + 8 + 2);
        }

        table.Collect(200);
        Assert.Equal(held.Count + 8, table.Count);
        foreach (Peer peer in held)
        {
            Assert.Same(peer, table.Lookup(peer.Key));
        }

        // The eight survivors are the most recently released.
        for (int i = 0; i < 100; i++)
        {
            bool expected = i % 10 == 0 || i >= 92;
            Assert.Equal(expected, table.Lookup(TestPeerKeys.Make(i)) is not null);
        }

        table.AssertInvariants();
    }

    [Fact]
    public void AscendingInsertionsKeepTheTreeWithinTheAvlHeightBound()
    {
        using PeerTable table = NewTable(threshold: 1 << 20);
        const int Count = 10_000;
        for (int i = 0; i < Count; i++)
        {
            table.GetOrCreate(PeerKey.ForIpv4(0, (uint)i), 0);
        }

        Assert.Equal(Count, table.Count);
        Assert.True(table.TreeHeight <= 1.4405 * Math.Log2(Count + 2), $"height {table.TreeHeight}");
        for (int i = 0; i < Count; i++)
        {
            Assert.Equal(PeerKey.ForIpv4(0, (uint)i), table.Lookup(PeerKey.ForIpv4(0, (uint)i))!.Key);
        }

        table.AssertInvariants();
    }

    [Fact]
    public void RemovingEveryPeerInAMixedOrderLeavesAnEmptyBalancedTree()
    {
        using PeerTable table = NewTable(threshold: 1 << 20, ttl: TimeSpan.FromSeconds(1));
        PeerKey[] keys = TestPeerKeys.Many(2000);
        var peers = new Peer[keys.Length];
        for (int i = 0; i < keys.Length; i++)
        {
            peers[i] = table.GetOrCreate(keys[i], 0);
        }

        for (int i = 0; i < keys.Length; i += 2)
        {
            table.Release(peers[i], 0);
        }

        Assert.Equal(keys.Length / 2, table.Collect(10 * Second));
        table.AssertInvariants();
        for (int i = 1; i < keys.Length; i += 2)
        {
            table.Release(peers[i], 20 * Second);
        }

        Assert.Equal(keys.Length / 2, table.Collect(40 * Second));
        Assert.Equal(0, table.Count);
        Assert.Equal(0, table.TreeHeight);
        table.AssertInvariants();
    }

    [Fact]
    public void TheSeqlockMovesOnlyWhenLinksChange()
    {
        using PeerTable table = NewTable();
        int before = table.SequenceValue;
        Peer peer = table.GetOrCreate(TestPeerKeys.Make(1), 0);
        int afterInsert = table.SequenceValue;
        table.GetOrCreate(TestPeerKeys.Make(1), 0);
        table.Release(peer, 0);
        table.Release(peer, 0);
        table.Lookup(TestPeerKeys.Make(2));

        Assert.Equal(before + 2, afterInsert);
        Assert.Equal(afterInsert, table.SequenceValue);
    }

    [Fact]
    public void OptionsRejectValuesOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PeerTableOptions { MaxDistance = -1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new PeerTableOptions { Threshold = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new PeerTableOptions { IdleTimeToLive = TimeSpan.FromTicks(-1) });
        Assert.Throws<ArgumentOutOfRangeException>(() => new PeerTableOptions { MaxIdle = -1 });
        Assert.Equal(64, new PeerTableOptions().MaxDistance);
        Assert.Equal(4096, new PeerTableOptions().MaxIdle);
    }
}
