using Reassembly.Concurrency;
using Reassembly.Peers;

namespace Reassembly.Tests.Peers;

public sealed class FragmentDistanceTests
{
    [Theory]
    [InlineData(100, 101, 64, false)]
    [InlineData(100, 164, 64, false)]
    [InlineData(100, 165, 64, true)]
    [InlineData(100, 100, 64, false)]
    [InlineData(0, 1, 1, false)]
    [InlineData(0, 2, 1, true)]
    public void AQueueIsTooFarOnlyWhenThePeerMovedMoreThanMaxDistance(int queue, int now, int maxDistance, bool tooFar)
    {
        Assert.Equal(tooFar, FragmentDistance.IsTooFar(queue, now, maxDistance));
    }

    [Fact]
    public void ZeroMaxDistanceDisablesTheRule()
    {
        Assert.False(FragmentDistance.IsTooFar(0, int.MaxValue, 0));
        Assert.False(FragmentDistance.IsTooFar(5, 4, 0));
    }

    [Theory]
    [InlineData(int.MaxValue - 10, 64)]
    [InlineData(int.MaxValue, 64)]
    [InlineData(-10, 64)]
    [InlineData(-1, 1)]
    public void TheCounterWrappingPastIntMaxValueAndZeroGivesNoFalseAlarm(int queue, int maxDistance)
    {
        int atLimit = unchecked(queue + maxDistance);
        int pastLimit = unchecked(atLimit + 1);

        Assert.False(FragmentDistance.IsTooFar(queue, atLimit, maxDistance));
        Assert.True(FragmentDistance.IsTooFar(queue, pastLimit, maxDistance));
    }

    [Fact]
    public void AQueuePassedBySixtyFiveFragmentsOfItsPeerIsStale()
    {
        using var epochs = new EpochDomain();
        using var table = new PeerTable(new PeerTableOptions(), epochs);
        Peer peer = table.GetOrCreate(PeerKey.ForIpv4(0, 1), 0);
        int queue = peer.NextFragmentSequence();
        int now = queue;
        for (int i = 0; i < 64; i++)
        {
            now = peer.NextFragmentSequence();
        }

        Assert.Equal(queue + 64, now);
        Assert.False(FragmentDistance.IsTooFar(queue, now, table.Options.MaxDistance));
        Assert.True(FragmentDistance.IsTooFar(queue, peer.NextFragmentSequence(), table.Options.MaxDistance));
    }

    [Fact]
    public void AQueueRecordFromTheFutureCountsAsTooFarAsInLinux()
    {
        Assert.True(FragmentDistance.IsTooFar(200, 100, 64));
    }

    [Fact]
    public void AdvanceAndCheckResetsOnlyAQueueThatOtherFragmentsOfItsPeerOvertook()
    {
        using var epochs = new EpochDomain();
        using var table = new PeerTable(new PeerTableOptions(), epochs);
        Peer peer = table.GetOrCreate(PeerKey.ForIpv4(0, 1), 0);
        int stale = 0;
        int busy = 0;

        // Each queue's first fragment: never too far, whatever its (meaningless) record says.
        Assert.False(FragmentDistance.AdvanceAndCheck(peer, ref stale, queueHasFragments: false, maxDistance: 4));
        Assert.False(FragmentDistance.AdvanceAndCheck(peer, ref busy, queueHasFragments: false, maxDistance: 4));

        // Four more fragments of the busy queue: the stale one is now five behind.
        for (int i = 0; i < 4; i++)
        {
            Assert.False(FragmentDistance.AdvanceAndCheck(peer, ref busy, queueHasFragments: true, maxDistance: 4));
        }

        Assert.True(FragmentDistance.AdvanceAndCheck(peer, ref stale, queueHasFragments: true, maxDistance: 4));
        Assert.Equal(peer.NextFragmentSequence() - 1, stale);
        Assert.False(FragmentDistance.AdvanceAndCheck(peer, ref busy, queueHasFragments: true, maxDistance: 4));
    }

    [Fact]
    public void AdvanceAndCheckWithTheRuleOffLeavesTheCounterAlone()
    {
        using var epochs = new EpochDomain();
        using var table = new PeerTable(new PeerTableOptions(), epochs);
        Peer peer = table.GetOrCreate(PeerKey.ForIpv4(0, 1), 0);
        int queue = 17;

        Assert.False(FragmentDistance.AdvanceAndCheck(peer, ref queue, queueHasFragments: true, maxDistance: 0));
        Assert.Equal(17, queue);
        Assert.Equal(1, peer.NextFragmentSequence());
    }
}
