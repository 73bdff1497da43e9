using Reassembly.Tests.Helpers;

namespace Reassembly.Tests.Peers;

/// <summary>
/// Linux's <c>ipfrag_max_dist</c> in the engine: a queue whose source has sent more than the limit of fragments since
/// the queue's last one is emptied before the next fragment goes in (the IDs have likely wrapped).
/// </summary>
public sealed class IpIdDistanceTests
{
    private static readonly byte[] Data = PacketBuilder.Payload(64, seed: 9);

    [Theory]
    [InlineData(64, 63, true)]
    [InlineData(64, 64, false)]     // ip-sysctl.txt: "if ipfrag_max_dist (or more) fragments have arrived ... in between"
    [InlineData(64, 200, false)]
    [InlineData(0, 500, true)]      // 0 turns the check off
    [InlineData(10, 9, true)]
    [InlineData(10, 10, false)]
    public void A_datagram_survives_only_as_many_fragments_of_its_source_in_between_as_the_limit(int maxDistance, int between, bool reassembled)
    {
        var sink = new RecordingSink();
        // 500 never-completed queues hold about 4.5 MiB: room enough that the memory limit evicts nothing here.
        var harness = new EngineHarness(new ReassemblyOptions
        {
            Ipv4MaxDistance = maxDistance,
            AnomalySink = sink,
            MemoryHighThresholdBytes = 16L << 20,
            MemoryLowThresholdBytes = 16L << 20,
        });

        harness.FeedIpv4(PacketBuilder.Ipv4(Data.AsSpan(0, 32), 0, moreFragments: true, id: 1));
        for (int i = 0; i < between; i++)
        {
            // First fragments of other datagrams from the same source, never completed.
            harness.FeedIpv4(PacketBuilder.Ipv4(Data.AsSpan(0, 32), 0, moreFragments: true, id: (ushort)(100 + i)));
        }

        harness.FeedIpv4(PacketBuilder.Ipv4(Data.AsSpan(32), 32, moreFragments: false, id: 1));

        Assert.Equal(reassembled ? 1 : 0, harness.Packets.Count);
        FamilyStatistics ipv4 = harness.Engine.GetStatistics().Ipv4;
        Assert.Equal(reassembled ? 0 : 1, ipv4.ReasmFails);
        Assert.Equal(reassembled ? 0 : 1, harness.Engine.GetStatistics().Anomalies[AnomalyKind.IpIdDistanceReset]);
        if (!reassembled)
        {
            AnomalyEvent reset = Assert.Single(sink.OfKind(AnomalyKind.IpIdDistanceReset));
            Assert.Equal(1u, reset.Identification);
            Assert.Equal(between + 1, reset.FrameIndex);
        }
    }

    [Fact]
    public void After_a_reset_the_queue_takes_the_new_fragments_and_can_still_complete()
    {
        var harness = new EngineHarness(new ReassemblyOptions { Ipv4MaxDistance = 4 });
        harness.FeedIpv4(PacketBuilder.Ipv4(Data.AsSpan(32), 32, moreFragments: false, id: 7));
        for (int i = 0; i < 4; i++)
        {
            harness.FeedIpv4(PacketBuilder.Ipv4(Data.AsSpan(0, 32), 0, moreFragments: true, id: (ushort)(200 + i)));
        }

        // The reset drops the held last fragment; this first fragment starts the datagram again.
        harness.FeedIpv4(PacketBuilder.Ipv4(Data.AsSpan(0, 32), 0, moreFragments: true, id: 7));
        Assert.Empty(harness.Packets);
        harness.FeedIpv4(PacketBuilder.Ipv4(Data.AsSpan(32), 32, moreFragments: false, id: 7));

        Assert.Equal(PacketBuilder.Ipv4Whole(Data, id: 7), Assert.Single(harness.Packets));
    }

    [Fact]
    public void Other_sources_do_not_count_towards_a_sources_distance()
    {
        var harness = new EngineHarness(new ReassemblyOptions { Ipv4MaxDistance = 4 });
        harness.FeedIpv4(PacketBuilder.Ipv4(Data.AsSpan(0, 32), 0, moreFragments: true, id: 3));
        for (int i = 0; i < 20; i++)
        {
            byte[] other = PacketBuilder.Ipv4(Data.AsSpan(0, 32), 0, moreFragments: true, id: (ushort)(300 + i));
            other[15] = (byte)(50 + i);
            other[10] = other[11] = 0;
            harness.FeedIpv4(other);
        }

        harness.FeedIpv4(PacketBuilder.Ipv4(Data.AsSpan(32), 32, moreFragments: false, id: 3));

        Assert.Single(harness.Packets);
    }
}
