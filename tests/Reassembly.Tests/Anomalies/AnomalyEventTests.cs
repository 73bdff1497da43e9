using Reassembly.Tests.Helpers;

namespace Reassembly.Tests.Anomalies;

/// <summary>Each anomaly kind the engine produces today: the event, what happened to the frame, and the count.</summary>
public sealed class AnomalyEventTests
{
    private readonly RecordingSink _sink = new();
    private readonly EngineHarness _harness;

    public AnomalyEventTests()
    {
        _harness = new EngineHarness(new ReassemblyOptions { AnomalySink = _sink });
    }

    private AnomalyEvent Only(AnomalyKind kind)
    {
        AnomalyEvent anomaly = Assert.Single(_sink.Events);
        Assert.Equal(kind, anomaly.Kind);
        Assert.Equal(1, _harness.Engine.GetStatistics().Anomalies[kind]);
        return anomaly;
    }

    [Fact]
    public void ANonFinalFragmentNotAMultipleOf8IsReportedAndDropped()
    {
        Assert.Equal(FrameDisposition.Dropped, _harness.FeedIpv4(PacketBuilder.Ipv4(PacketBuilder.Payload(12), 0, true)));
        AnomalyEvent anomaly = Only(AnomalyKind.NotMultipleOf8);
        Assert.Equal((0, 12), (anomaly.FragmentOffset, anomaly.FragmentEnd));
        Assert.Equal(0, anomaly.FrameIndex);
        Assert.Equal(IpFamily.Ipv4, anomaly.Family);
        Assert.Equal(0x1234u, anomaly.Identification);
        Assert.Equal(OverlapPolicy.LinuxModern, anomaly.Policy);
    }

    [Fact]
    public void AFragmentEndingPast65535IsReportedAsOversizeAndStillPassesThroughAsMalformed()
    {
        Assert.Equal(FrameDisposition.PassThrough, _harness.FeedIpv4(PacketBuilder.Ipv4(PacketBuilder.Payload(16), 65528, false)));
        Assert.Equal((65528, 65544), (Only(AnomalyKind.Oversize).FragmentOffset, Only(AnomalyKind.Oversize).FragmentEnd));
        Assert.Equal(1, _harness.Engine.GetStatistics().Ipv4.Malformed);
    }

    [Fact]
    public void ADatagramWhoseHeaderAndPayloadPass65535IsReportedAsOversizeAndDropped()
    {
        byte[] data = PacketBuilder.Payload(65528);
        _harness.FeedIpv4(PacketBuilder.Ipv4(data[..65512], 0, true));
        Assert.Equal(FrameDisposition.Dropped, _harness.FeedIpv4(PacketBuilder.Ipv4(data[65512..], 65512, false)));
        Assert.Equal(1, Only(AnomalyKind.Oversize).FrameIndex);
        Assert.Equal(1, _harness.Engine.GetStatistics().Ipv4.ReasmFails);
    }

    [Theory]
    [InlineData(6, 0, 8)]
    [InlineData(17, 0, 0)]
    [InlineData(6, 8, 16)]
    public void TinyOrFlagRewritingFirstFragmentsAreReportedButKept(byte protocol, int offset, int length)
    {
        byte[] data = PacketBuilder.Payload(Math.Max(length, 1))[..length];
        FrameDisposition disposition = _harness.FeedIpv4(PacketBuilder.Ipv4(data, offset, true, protocol: protocol));
        Assert.Equal(length == 0 ? FrameDisposition.Dropped : FrameDisposition.Held, disposition);
        Assert.Equal(AnomalyKind.TinyFirstFragment, _sink.Events[0].Kind);
    }

    [Fact]
    public void AnUdpFirstFragmentHoldingItsHeaderIsNotTiny()
    {
        _harness.FeedIpv4(PacketBuilder.Ipv4(PacketBuilder.Payload(8), 0, true, protocol: 17));
        Assert.Empty(_sink.Events);
    }

    [Fact]
    public void TwoDifferentEndsAreAConflictingEnd()
    {
        byte[] data = PacketBuilder.Payload(64);
        _harness.FeedIpv4(PacketBuilder.Ipv4(data[32..], 32, false));
        // Ends before held data without touching it; one that also overlapped would be a teardrop.
        Assert.Equal(FrameDisposition.Dropped, _harness.FeedIpv4(PacketBuilder.Ipv4(data[8..16], 8, false)));
        Only(AnomalyKind.ConflictingEnd);
    }

    [Fact]
    public void DataPastTheAnnouncedEndIsPastEnd()
    {
        byte[] data = PacketBuilder.Payload(64);
        _harness.FeedIpv4(PacketBuilder.Ipv4(data[..16], 16, false));
        Assert.Equal(FrameDisposition.Dropped, _harness.FeedIpv4(PacketBuilder.Ipv4(data[..16], 32, true)));
        Assert.Equal((32, 48), (Only(AnomalyKind.PastEnd).FragmentOffset, Only(AnomalyKind.PastEnd).FragmentEnd));
    }

    [Fact]
    public void AFragmentWithoutDataIsZeroLength()
    {
        _harness.FeedIpv4(PacketBuilder.Ipv4(PacketBuilder.Payload(16), 0, true, protocol: 50));
        Assert.Equal(FrameDisposition.Dropped, _harness.FeedIpv4(PacketBuilder.Ipv4([], 16, true, protocol: 50)));
        Only(AnomalyKind.ZeroLength);
    }

    [Fact]
    public void AnExactRetransmissionIsADuplicateAndDifferentBytesInsideARunAreAnOverlapThatLinuxStillIgnores()
    {
        byte[] data = PacketBuilder.Payload(64);
        _harness.FeedIpv4(PacketBuilder.Ipv4(data[..32], 0, true));
        Assert.Equal(FrameDisposition.Dropped, _harness.FeedIpv4(PacketBuilder.Ipv4(data[8..16], 8, true)));
        byte[] changed = [.. data[8..16]];
        changed[3] ^= 0xFF;
        Assert.Equal(FrameDisposition.Dropped, _harness.FeedIpv4(PacketBuilder.Ipv4(changed, 8, true)));
        Assert.Equal(FrameDisposition.Reassembled, _harness.FeedIpv4(PacketBuilder.Ipv4(data[32..], 32, false)));

        Assert.False(Assert.Single(_sink.OfKind(AnomalyKind.Duplicate)).BytesDiffer);
        AnomalyEvent overlap = Assert.Single(_sink.OfKind(AnomalyKind.Overlap));
        Assert.True(overlap.BytesDiffer);
        Assert.Equal((8, 16), (overlap.OverlapStart, overlap.OverlapEnd));
        Assert.Equal((2L, 0L), (overlap.FrameIndex, overlap.OtherFrameIndex));
        Assert.Equal(0, _harness.Engine.GetStatistics().Ipv4.ReasmOverlaps);
    }

    [Fact]
    public void AnIpv6AtomicFragmentIsReportedAndPassesThrough()
    {
        Assert.Equal(FrameDisposition.PassThrough, _harness.FeedIpv6(PacketBuilder.Ipv6Fragment(PacketBuilder.Payload(16), 0, false, 99)));
        AnomalyEvent anomaly = Only(AnomalyKind.Ipv6AtomicFragment);
        Assert.Equal(IpFamily.Ipv6, anomaly.Family);
        Assert.Equal(99u, anomaly.Identification);
        Assert.Equal(new System.Net.IPAddress(PacketBuilder.Ipv6Source), anomaly.GetSourceAddress());
    }

    [Theory]
    [InlineData(6, 16)]
    [InlineData(58, 4)]
    [InlineData(17, 7)]
    public void AnIpv6FirstFragmentWithoutTheUpperLayerHeaderIsDroppedAsRfc7112Asks(byte upperProtocol, int length)
    {
        FrameDisposition disposition = _harness.FeedIpv6(PacketBuilder.Ipv6Fragment(PacketBuilder.Payload(length), 0, true, 5, upperProtocol));
        Assert.Equal(FrameDisposition.Dropped, disposition);
        Only(AnomalyKind.Ipv6IncompleteHeaderChain);
        FamilyStatistics family = _harness.Engine.GetStatistics().Ipv6;
        Assert.Equal((1, 0), (family.ReasmReqds, family.ReasmFails));
        Assert.Equal(0, _harness.Engine.QueuesInUse);
    }

    [Fact]
    public void AnIpv6FirstFragmentCuttingADestinationOptionsHeaderAfterTheFragmentHeaderIsIncomplete()
    {
        // The fragmentable part starts with a 16-byte destination options header, of which the fragment holds 8.
        byte[] data = PacketBuilder.Payload(8);
        data[0] = 17;
        data[1] = 1;
        Assert.Equal(FrameDisposition.Dropped, _harness.FeedIpv6(PacketBuilder.Ipv6Fragment(data, 0, true, 5, upperProtocol: 60)));
        Only(AnomalyKind.Ipv6IncompleteHeaderChain);
    }

    [Fact]
    public void AnIpv6FirstFragmentWithTheWholeChainIsQueued()
    {
        byte[] data = PacketBuilder.Payload(32);
        data[0] = 6;
        data[1] = 0;
        Assert.Equal(FrameDisposition.Held, _harness.FeedIpv6(PacketBuilder.Ipv6Fragment(data, 0, true, 5, upperProtocol: 60)));
        Assert.Empty(_sink.Events);
    }

    [Fact]
    public void Ipv6FragmentsWhoseHeadersBeforeTheFragmentHeaderDifferAreReportedAndTheFirstFragmentsHeadersKept()
    {
        byte[] data = PacketBuilder.Payload(64);
        (byte, byte[]) options = (60, PacketBuilder.Ipv6Option(8));
        _harness.FeedIpv6(PacketBuilder.Ipv6Fragment(data[..32], 0, true, 8, 17, options));
        _harness.FeedIpv6(PacketBuilder.Ipv6Fragment(data[32..48], 32, true, 8, 17, options));
        Assert.Empty(_sink.Events);

        Assert.Equal(FrameDisposition.Reassembled, _harness.FeedIpv6(PacketBuilder.Ipv6Fragment(data[48..], 48, false, 8, 17, (60, PacketBuilder.Ipv6Option(16)))));
        Assert.Equal((48, 64), (Only(AnomalyKind.Ipv6HeaderMismatch).FragmentOffset, Only(AnomalyKind.Ipv6HeaderMismatch).FragmentEnd));
        Assert.Equal(PacketBuilder.Ipv6Whole(data, 17, options), Assert.Single(_harness.Packets));
    }

    [Fact]
    public void WithoutASinkAnomaliesAreStillCounted()
    {
        var harness = new EngineHarness();
        harness.FeedIpv4(PacketBuilder.Ipv4(PacketBuilder.Payload(12), 0, true));
        harness.FeedIpv6(PacketBuilder.Ipv6Fragment(PacketBuilder.Payload(16), 0, false));
        AnomalyStatistics anomalies = harness.Engine.GetStatistics().Anomalies;
        Assert.Equal((1, 1, 0), (anomalies[AnomalyKind.NotMultipleOf8], anomalies[AnomalyKind.Ipv6AtomicFragment], anomalies[AnomalyKind.Overlap]));

        harness.Engine.Reset();
        Assert.Equal(0, harness.Engine.GetStatistics().Anomalies[AnomalyKind.NotMultipleOf8]);
    }
}
