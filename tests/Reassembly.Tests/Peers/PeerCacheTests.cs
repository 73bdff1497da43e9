using Reassembly.Concurrency;
using Reassembly.Peers;

namespace Reassembly.Tests.Peers;

public sealed class PeerCacheTests : IDisposable
{
    private const long Second = 1_000_000_000;

    private readonly EpochDomain _epochs = new();

    public void Dispose() => _epochs.Dispose();

    private PeerTable NewTable() =>
        new(new PeerTableOptions { Threshold = 1 << 20, MaxIdle = int.MaxValue, IdleTimeToLive = TimeSpan.Zero }, _epochs);

    [Fact]
    public void A_second_acquire_of_a_cached_source_returns_the_same_peer_with_one_more_reference()
    {
        using PeerTable table = NewTable();
        var cache = new PeerCache(table);
        PeerKey key = TestPeerKeys.Make(7);

        Peer first = cache.Acquire(key, 1);
        Peer second = cache.Acquire(key, 2);

        Assert.Same(first, second);
        Assert.Equal(key, first.Key);

        // Two callers' references plus the cache's pin.
        Assert.Equal(3, first.ReferenceCount);
        Assert.Equal(2, first.LastUsedNanoseconds);
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void A_source_seen_once_is_not_pinned_and_is_collected_once_its_caller_lets_go()
    {
        using PeerTable table = NewTable();
        var cache = new PeerCache(table);
        Peer peer = cache.Acquire(TestPeerKeys.Make(3), 0);

        // Only the caller's reference: a spoofed source must not hold a tree node after its queue is gone.
        Assert.Equal(1, peer.ReferenceCount);
        table.Release(peer, 1);
        Assert.Equal(1, table.Collect(100 * Second));
        Assert.Equal(0, table.Count);
        table.AssertInvariants();
    }

    [Fact]
    public void A_source_seen_again_after_its_peer_was_collected_is_cached_on_that_second_sighting()
    {
        // More idle sources than MaxIdle between two datagrams of one source (ten thousand hosts): the table collects
        // the peer before the source sends again, and only the cache's memory of the first sighting can admit it.
        using PeerTable table = NewTable();
        var cache = new PeerCache(table);
        PeerKey key = TestPeerKeys.Make(9);
        table.Release(cache.Acquire(key, 0), 1);
        Assert.Equal(1, table.Collect(100 * Second));
        Assert.Equal(0, table.Count);

        Peer second = cache.Acquire(key, 200 * Second);
        table.Release(second, 200 * Second);

        // The cache's pin is left, so collection keeps it, and the third datagram hits the cache.
        Assert.Equal(1, second.ReferenceCount);
        Assert.Equal(0, table.Collect(400 * Second));
        Assert.Same(second, cache.Acquire(key, 400 * Second));
        table.AssertInvariants();
    }

    [Fact]
    public void A_pinned_peer_survives_collection_after_every_caller_released_it_and_clear_lets_it_go()
    {
        using PeerTable table = NewTable();
        var cache = new PeerCache(table);
        Peer peer = cache.Acquire(TestPeerKeys.Make(1), 0);
        table.Release(peer, 1);
        Assert.Same(peer, cache.Acquire(TestPeerKeys.Make(1), 1));
        table.Release(peer, 1);

        Assert.Equal(0, table.Collect(100 * Second));
        Assert.Equal(1, peer.ReferenceCount);
        Assert.Same(peer, cache.Acquire(TestPeerKeys.Make(1), 2));
        table.Release(peer, 3);

        cache.Clear(4);

        Assert.Equal(0, peer.ReferenceCount);
        Assert.Equal(1, table.Collect(100 * Second));
        Assert.Equal(0, table.Count);
        table.AssertInvariants();
    }

    [Theory]
    [InlineData(1, PeerCache.MaxSets)]
    [InlineData(2, PeerCache.MaxSets / 2)]
    [InlineData(3, PeerCache.MaxSets / 4)]
    [InlineData(8, PeerCache.MinSets)]
    [InlineData(256, PeerCache.MinSets)]
    public void Each_of_several_workers_gets_a_smaller_cache_but_never_less_than_the_least(int workers, int sets)
    {
        Assert.Equal(sets, PeerCache.SetsFor(workers));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3000)]
    public void A_set_count_that_is_not_a_power_of_two_is_refused(int sets)
    {
        using PeerTable table = NewTable();
        Assert.Throws<ArgumentOutOfRangeException>(() => new PeerCache(table, sets));
    }

    [Theory]
    [InlineData(PeerCache.MaxSets)]
    [InlineData(PeerCache.MinSets)]
    public void More_sources_than_the_cache_holds_displace_the_oldest_and_release_their_pins(int sets)
    {
        using PeerTable table = NewTable();
        var cache = new PeerCache(table, sets);
        Assert.Equal(sets * PeerCache.Ways, cache.Capacity);
        int sources = cache.Capacity * 2;
        var peers = new Peer[sources];
        for (int i = 0; i < sources; i++)
        {
            // Twice: a source is cached on its second sighting.
            peers[i] = cache.Acquire(TestPeerKeys.Make(i), i);
            table.Release(peers[i], i);
            Assert.Same(peers[i], cache.Acquire(TestPeerKeys.Make(i), i));
            table.Release(peers[i], i);
        }

        // Every peer is either idle or pinned once, and no more pinned than the cache holds.
        int pinned = 0;
        foreach (Peer peer in peers)
        {
            Assert.InRange(peer.ReferenceCount, 0, 1);
            pinned += peer.ReferenceCount;
        }

        Assert.InRange(pinned, 1, cache.Capacity);
        Assert.Equal(sources - pinned, table.Collect(long.MaxValue / 2));

        // Whatever is still cached is found again; the rest are created anew, each with the right key.
        for (int i = 0; i < sources; i++)
        {
            Peer again = cache.Acquire(TestPeerKeys.Make(i), sources + i);
            Assert.Equal(TestPeerKeys.Make(i), again.Key);
            table.Release(again, sources + i);
        }

        cache.Clear(3 * (long)sources);
        table.Collect(long.MaxValue / 2);
        Assert.Equal(0, table.Count);
        table.AssertInvariants();
    }
}
