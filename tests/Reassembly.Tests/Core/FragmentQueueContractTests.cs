using Reassembly.Tests.Helpers;
using Xunit.Abstractions;

namespace Reassembly.Tests.Core;

/// <summary>
/// The reassembly contract every family honours (Linux's inet_frag rules), run once per family by the subclasses.
/// Every reassembled packet is compared byte for byte with the packet that was fragmented.
/// </summary>
public abstract class FragmentQueueContractTests
{
    private readonly ITestOutputHelper _output;

    protected FragmentQueueContractTests(ITestOutputHelper output)
    {
        _output = output;
    }

    /// <summary>A fragment of the test datagram, as a frame.</summary>
    private protected abstract byte[] Fragment(byte[] data, int offset, bool more, uint id = 7, ushort[]? vlans = null);

    /// <summary>The packet reassembly should produce from the whole of <paramref name="data"/>.</summary>
    private protected abstract byte[] Whole(byte[] data, uint id = 7);

    private protected abstract FamilyStatistics Family(ReassemblyStatistics statistics);

    private protected abstract ReassemblyOptions ShortTimeout(TimeSpan timeout);

    private byte[] FeedAll(EngineHarness harness, byte[] data, IEnumerable<(int Offset, byte[] Data, bool More)> pieces)
    {
        foreach ((int offset, byte[] piece, bool more) in pieces)
        {
            harness.Feed(Fragment(piece, offset, more));
        }

        return Whole(data);
    }

    [Fact]
    public void FragmentsInOrderReassembleToTheOriginalPacket()
    {
        var harness = new EngineHarness();
        byte[] data = PacketBuilder.Payload(4000);
        byte[] expected = FeedAll(harness, data, PacketBuilder.Split(data, 1480));

        Assert.Equal(expected, Assert.Single(harness.Packets));
        FamilyStatistics family = Family(harness.Engine.GetStatistics());
        Assert.Equal(3, family.ReasmReqds);
        Assert.Equal(1, family.ReasmOKs);
        Assert.Equal(0, family.ReasmFails);
        Assert.Equal(0, harness.Engine.QueuesInUse);
    }

    [Fact]
    public void FragmentsInReverseOrderReassembleToTheOriginalPacket()
    {
        var harness = new EngineHarness();
        byte[] data = PacketBuilder.Payload(9000);
        List<(int, byte[], bool)> pieces = PacketBuilder.Split(data, 1000 / 8 * 8);
        pieces.Reverse();

        Assert.Equal(FeedAll(harness, data, pieces), Assert.Single(harness.Packets));
    }

    [Fact]
    public void ShuffledFragmentsReassembleToTheOriginalPacketForManySeeds()
    {
        int seed = Environment.TickCount;
        _output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        for (int round = 0; round < 200; round++)
        {
            var harness = new EngineHarness();
            byte[] data = PacketBuilder.Payload(random.Next(9, 20000), round);
            // At least two pieces: a single piece with offset 0 and no MF is not a fragment at all.
            int pieceSize = Math.Min(random.Next(1, 200) * 8, (data.Length - 1) / 8 * 8);
            List<(int, byte[], bool)> pieces = PacketBuilder.Split(data, pieceSize);
            random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(pieces));

            byte[] expected = FeedAll(harness, data, pieces);
            Assert.True(harness.Packets.Count == 1, $"seed {seed} round {round}: datagram not reassembled");
            Assert.Equal(expected, harness.Packets[0]);
        }
    }

    [Fact]
    public void AFragmentInsideHeldDataIsADuplicateAndIsIgnored()
    {
        var harness = new EngineHarness();
        byte[] data = PacketBuilder.Payload(3000);
        harness.Feed(Fragment(data[..1480], 0, true));
        Assert.Equal(FrameDisposition.Dropped, harness.Feed(Fragment(data[..1480], 0, true)));
        Assert.Equal(FrameDisposition.Dropped, harness.Feed(Fragment(data[8..16], 8, true)));
        harness.Feed(Fragment(data[1480..], 1480, false));

        Assert.Equal(Whole(data), Assert.Single(harness.Packets));
        FamilyStatistics family = Family(harness.Engine.GetStatistics());
        Assert.Equal(0, family.ReasmOverlaps);
        Assert.Equal(0, family.ReasmFails);
    }

    [Fact]
    public void AnOverlapDropsTheWholeDatagramAndLaterFragmentsStartAfresh()
    {
        var harness = new EngineHarness();
        byte[] data = PacketBuilder.Payload(3000);
        harness.Feed(Fragment(data[..1480], 0, true));
        Assert.Equal(FrameDisposition.Dropped, harness.Feed(Fragment(data[800..2000], 800, true)));
        Assert.Equal(FrameDisposition.Held, harness.Feed(Fragment(data[1480..], 1480, false)));
        harness.Engine.ExpireAll();

        Assert.Empty(harness.Packets);
        FamilyStatistics family = Family(harness.Engine.GetStatistics());
        Assert.Equal(1, family.ReasmOverlaps);
        Assert.Equal(2, family.ReasmFails);
        Assert.Equal(1, family.ReasmTimeout);
    }

    [Fact]
    public void AFragmentSpanningTwoAdjacentRunsIsAnOverlapAsInLinux()
    {
        // [8,16) arrives first, then [0,8) starts a run of its own: the held bytes are contiguous but lie in two runs,
        // so a retransmitted [0,16) is not inside one run and inet_frag_queue_insert calls it an overlap.
        var harness = new EngineHarness();
        byte[] data = PacketBuilder.Payload(24);
        harness.Feed(Fragment(data[8..16], 8, true));
        harness.Feed(Fragment(data[..8], 0, true));
        Assert.Equal(FrameDisposition.Dropped, harness.Feed(Fragment(data[..16], 0, true)));

        Assert.Equal(1, Family(harness.Engine.GetStatistics()).ReasmOverlaps);
    }

    [Fact]
    public void ASecondLastFragmentWithAnotherEndDropsTheDatagram()
    {
        var harness = new EngineHarness();
        byte[] data = PacketBuilder.Payload(3000);
        harness.Feed(Fragment(data[1480..], 1480, false));
        Assert.Equal(FrameDisposition.Dropped, harness.Feed(Fragment(data[1480..2000], 1480, false)));

        Assert.Equal(1, Family(harness.Engine.GetStatistics()).ReasmFails);
        Assert.Equal(0, harness.Engine.QueuesInUse);
    }

    [Fact]
    public void AFragmentPastTheKnownEndDropsTheDatagram()
    {
        var harness = new EngineHarness();
        byte[] data = PacketBuilder.Payload(3000);
        harness.Feed(Fragment(data[..1480], 1480, false));
        Assert.Equal(FrameDisposition.Dropped, harness.Feed(Fragment(data[..1480], 2960, true)));

        Assert.Equal(1, Family(harness.Engine.GetStatistics()).ReasmFails);
    }

    [Fact]
    public void AZeroLengthFragmentDropsTheDatagram()
    {
        var harness = new EngineHarness();
        byte[] data = PacketBuilder.Payload(3000);
        harness.Feed(Fragment(data[..1480], 0, true));
        Assert.Equal(FrameDisposition.Dropped, harness.Feed(Fragment([], 1480, true)));

        Assert.Equal(1, Family(harness.Engine.GetStatistics()).ReasmFails);
        Assert.Equal(0, harness.Engine.QueuesInUse);
    }

    [Fact]
    public void ANonFinalFragmentWhoseLengthIsNotAMultipleOfEightIsDroppedAlone()
    {
        var harness = new EngineHarness();
        byte[] data = PacketBuilder.Payload(3000);
        harness.Feed(Fragment(data[..1480], 0, true));
        Assert.Equal(FrameDisposition.Dropped, harness.Feed(Fragment(data[1480..1485], 1480, true)));
        harness.Feed(Fragment(data[1480..], 1480, false));

        Assert.Equal(Whole(data), Assert.Single(harness.Packets));
        Assert.Equal(1, Family(harness.Engine.GetStatistics()).ReasmFails);
    }

    [Fact]
    public void AnIncompleteDatagramExpiresAfterTheTimeoutInPacketTime()
    {
        var harness = new EngineHarness(ShortTimeout(TimeSpan.FromSeconds(5)));
        byte[] data = PacketBuilder.Payload(3000);
        long start = harness.Clock;
        harness.Feed(Fragment(data[..1480], 0, true), timestamp: start);
        harness.Feed(Fragment([], 0, false, id: 99), timestamp: start + 4_999_999_999);
        Assert.Equal(1, harness.Engine.QueuesInUse);

        // The last fragment arrives exactly at the deadline: the old queue is gone, so it starts a new one.
        Assert.Equal(FrameDisposition.Held, harness.Feed(Fragment(data[1480..], 1480, false), timestamp: start + 5_000_000_000));
        Assert.Empty(harness.Packets);
        FamilyStatistics family = Family(harness.Engine.GetStatistics());
        Assert.Equal(1, family.ReasmTimeout);
        Assert.Equal(1, harness.Engine.QueuesInUse);
    }

    [Fact]
    public void TimestampsThatGoBackwardsNeverExpireAnythingEarly()
    {
        var harness = new EngineHarness(ShortTimeout(TimeSpan.FromSeconds(5)));
        byte[] data = PacketBuilder.Payload(3000);
        long start = harness.Clock;
        harness.Feed(Fragment(data[..1480], 0, true), timestamp: start);
        harness.Feed(Fragment(data[1480..], 1480, false), timestamp: start - 60_000_000_000);

        Assert.Equal(Whole(data), Assert.Single(harness.Packets));
    }

    [Fact]
    public void TheSameAddressesAndIdOnTwoVlansNeverMix()
    {
        var harness = new EngineHarness();
        byte[] first = PacketBuilder.Payload(3000, seed: 1);
        byte[] second = PacketBuilder.Payload(3000, seed: 2);
        harness.Feed(Fragment(first[..1480], 0, true, vlans: [10]));
        harness.Feed(Fragment(second[..1480], 0, true, vlans: [20]));
        harness.Feed(Fragment(second[1480..], 1480, false, vlans: [20]));
        harness.Feed(Fragment(first[1480..], 1480, false, vlans: [10]));

        Assert.Equal(2, harness.Packets.Count);
        Assert.Equal(Whole(second), harness.Packets[0]);
        Assert.Equal(Whole(first), harness.Packets[1]);
    }

    [Fact]
    public void QinqStacksThatDifferOnlyInTheInnerTagNeverMix()
    {
        var harness = new EngineHarness();
        byte[] data = PacketBuilder.Payload(3000);
        harness.Feed(Fragment(data[..1480], 0, true, vlans: [100, 1]));
        harness.Feed(Fragment(data[1480..], 1480, false, vlans: [100, 2]));
        Assert.Empty(harness.Packets);
        harness.Feed(Fragment(data[1480..], 1480, false, vlans: [100, 1]));

        Assert.Single(harness.Packets);
    }

    [Fact]
    public void TheReassembledFrameKeepsTheFirstFragmentsLinkHeader()
    {
        var harness = new EngineHarness();
        byte[] data = PacketBuilder.Payload(3000);
        harness.Feed(Fragment(data[1480..], 1480, false, vlans: [5, 6]));
        byte[] first = Fragment(data[..1480], 0, true, vlans: [5, 6]);
        harness.Feed(first);

        byte[] frame = Assert.Single(harness.Frames);
        Assert.Equal(first.AsSpan(0, 22).ToArray(), frame.AsSpan(0, 22).ToArray());
        Assert.Equal(Whole(data), frame.AsSpan(22).ToArray());
    }

    [Fact]
    public void ReassemblyAtTheLargestLegalSizeSucceeds()
    {
        var harness = new EngineHarness();
        byte[] data = PacketBuilder.Payload(MaximumPayload());
        List<(int, byte[], bool)> pieces = PacketBuilder.Split(data, 8192);
        pieces.Reverse();

        Assert.Equal(FeedAll(harness, data, pieces), Assert.Single(harness.Packets));
    }

    private protected abstract int MaximumPayload();
}

public sealed class Ipv4FragmentQueueTests : FragmentQueueContractTests
{
    public Ipv4FragmentQueueTests(ITestOutputHelper output)
        : base(output)
    {
    }

    private protected override byte[] Fragment(byte[] data, int offset, bool more, uint id = 7, ushort[]? vlans = null) =>
        PacketBuilder.Ethernet(0x0800, PacketBuilder.Ipv4(data, offset, more, (ushort)id), vlans ?? []);

    private protected override byte[] Whole(byte[] data, uint id = 7) => PacketBuilder.Ipv4Whole(data, (ushort)id);

    private protected override FamilyStatistics Family(ReassemblyStatistics statistics) => statistics.Ipv4;

    private protected override ReassemblyOptions ShortTimeout(TimeSpan timeout) => new() { Ipv4Timeout = timeout };

    private protected override int MaximumPayload() => 65535 - 20;

    [Fact]
    public void ADatagramOverTheIpv4LimitIsDroppedAsOversize()
    {
        // Options make the first fragment's header 60 bytes, so 65500 bytes of payload fit each fragment's own
        // offset but not the rebuilt datagram.
        var harness = new EngineHarness();
        byte[] data = PacketBuilder.Payload(65496);
        byte[] options = new byte[40];
        options.AsSpan().Fill(1);
        foreach ((int offset, byte[] piece, bool more) in PacketBuilder.Split(data, 8192))
        {
            byte[] packet = offset == 0 ? PacketBuilder.Ipv4(piece, offset, more, 7, 17, options) : PacketBuilder.Ipv4(piece, offset, more, 7);
            harness.FeedIpv4(packet);
        }

        Assert.Empty(harness.Packets);
        Assert.Equal(1, harness.Engine.GetStatistics().Ipv4.ReasmFails);
    }

    [Fact]
    public void TheReassembledHeaderKeepsOptionsAndDfAndHasAValidChecksum()
    {
        var harness = new EngineHarness();
        byte[] data = PacketBuilder.Payload(2000);
        byte[] options = [7, 7, 4, 0, 0, 0, 0, 1];
        harness.FeedIpv4(PacketBuilder.Ipv4(data[1480..], 1480, false, 7, 17, null, dontFragment: true));
        harness.FeedIpv4(PacketBuilder.Ipv4(data[..1480], 0, true, 7, 17, options, dontFragment: true));

        byte[] packet = Assert.Single(harness.Packets);
        Assert.Equal(PacketBuilder.Ipv4Whole(data, 7, 17, options, dontFragment: true), packet);
        Assert.Equal(0, Reassembly.Protocols.InternetChecksum.Compute(packet.AsSpan(0, 28)));
    }

    [Fact]
    public void TheProtocolIsPartOfTheKey()
    {
        var harness = new EngineHarness();
        byte[] data = PacketBuilder.Payload(3000);
        harness.FeedIpv4(PacketBuilder.Ipv4(data[..1480], 0, true, 7, 17));
        harness.FeedIpv4(PacketBuilder.Ipv4(data[1480..], 1480, false, 7, 6));

        Assert.Empty(harness.Packets);
        Assert.Equal(2, harness.Engine.QueuesInUse);
    }
}

public sealed class Ipv6FragmentQueueTests : FragmentQueueContractTests
{
    public Ipv6FragmentQueueTests(ITestOutputHelper output)
        : base(output)
    {
    }

    private protected override byte[] Fragment(byte[] data, int offset, bool more, uint id = 7, ushort[]? vlans = null) =>
        PacketBuilder.Ethernet(0x86DD, PacketBuilder.Ipv6Fragment(data, offset, more, id), vlans ?? []);

    private protected override byte[] Whole(byte[] data, uint id = 7) => PacketBuilder.Ipv6Whole(data);

    private protected override FamilyStatistics Family(ReassemblyStatistics statistics) => statistics.Ipv6;

    private protected override ReassemblyOptions ShortTimeout(TimeSpan timeout) => new() { Ipv6Timeout = timeout };

    private protected override int MaximumPayload() => 65535;

    [Fact]
    public void ExtensionHeadersBeforeTheFragmentHeaderAreKeptAndTheChainIsRebuilt()
    {
        var harness = new EngineHarness();
        byte[] data = PacketBuilder.Payload(5000);
        (byte, byte[])[] extensions = [(0, PacketBuilder.Ipv6Option(8)), (60, PacketBuilder.Ipv6Option(16)), (43, PacketBuilder.Ipv6RoutingHeader())];
        foreach ((int offset, byte[] piece, bool more) in PacketBuilder.Split(data, 1400))
        {
            harness.FeedIpv6(PacketBuilder.Ipv6Fragment(piece, offset, more, 9, 17, extensions));
        }

        byte[] packet = Assert.Single(harness.Packets);
        Assert.Equal(PacketBuilder.Ipv6Whole(data, 17, extensions), packet);
        Assert.Equal(43, packet[40 + 8]);
        Assert.Equal(17, packet[40 + 8 + 16]);
    }

    [Fact]
    public void HeadersLongerThanTheHeadroomAreStillPlacedInFrontOfThePayload()
    {
        var harness = new EngineHarness();
        byte[] data = PacketBuilder.Payload(3000);
        (byte, byte[])[] extensions = [(0, PacketBuilder.Ipv6Option(1024))];
        List<(int Offset, byte[] Data, bool More)> pieces = PacketBuilder.Split(data, 1000);
        pieces.Reverse();
        foreach ((int offset, byte[] piece, bool more) in pieces)
        {
            harness.FeedIpv6(PacketBuilder.Ipv6Fragment(piece, offset, more, 9, 17, extensions));
        }

        Assert.Equal(PacketBuilder.Ipv6Whole(data, 17, extensions), Assert.Single(harness.Packets));
    }

    [Fact]
    public void AnAtomicFragmentPassesThroughAndCountsAsReassembled()
    {
        var harness = new EngineHarness();
        Assert.Equal(FrameDisposition.PassThrough, harness.FeedIpv6(PacketBuilder.Ipv6Fragment(PacketBuilder.Payload(100), 0, false)));

        FamilyStatistics family = harness.Engine.GetStatistics().Ipv6;
        Assert.Equal(1, family.ReasmReqds);
        Assert.Equal(1, family.ReasmOKs);
        Assert.Equal(0, harness.Engine.QueuesInUse);
    }
}
