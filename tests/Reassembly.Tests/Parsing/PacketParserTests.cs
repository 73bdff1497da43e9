using System.Buffers.Binary;
using Reassembly.Parsing;
using Reassembly.Tests.Helpers;

namespace Reassembly.Tests.Parsing;

public sealed class PacketParserTests
{
    [Fact]
    public void EveryTruncationOfAnIpv4FragmentIsMalformedAndNeverThrows()
    {
        byte[] packet = PacketBuilder.Ipv4(PacketBuilder.Payload(64), 8, true, options: [1, 1, 1, 0]);
        Assert.Equal(PacketKind.Fragment, Ipv4PacketParser.Parse(packet, 0, 0, out _));
        for (int length = 0; length < packet.Length; length++)
        {
            Assert.Equal(PacketKind.Malformed, Ipv4PacketParser.Parse(packet.AsSpan(0, length), 0, 0, out _));
        }
    }

    [Fact]
    public void EveryTruncationOfAnIpv6FragmentWithExtensionHeadersIsMalformedAndNeverThrows()
    {
        byte[] packet = PacketBuilder.Ipv6Fragment(PacketBuilder.Payload(64), 8, true, 1, 17, (0, PacketBuilder.Ipv6Option(8)), (43, PacketBuilder.Ipv6RoutingHeader()));
        Assert.Equal(PacketKind.Fragment, Ipv6PacketParser.Parse(packet, 0, 0, out _));
        for (int length = 0; length < packet.Length; length++)
        {
            Assert.Equal(PacketKind.Malformed, Ipv6PacketParser.Parse(packet.AsSpan(0, length), 0, 0, out _));
        }
    }

    [Theory]
    [InlineData(4)]
    [InlineData(0)]
    public void AnIpv4HeaderLengthBelowFiveWordsIsMalformed(int words)
    {
        byte[] packet = PacketBuilder.Ipv4(PacketBuilder.Payload(64), 0, true);
        packet[0] = (byte)(0x40 | words);
        Assert.Equal(PacketKind.Malformed, Ipv4PacketParser.Parse(packet, 0, 0, out _));
    }

    [Fact]
    public void AnIpv4TotalLengthLargerThanTheFrameIsMalformed()
    {
        byte[] packet = PacketBuilder.Ipv4(PacketBuilder.Payload(64), 0, true);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)(packet.Length + 1));
        Assert.Equal(PacketKind.Malformed, Ipv4PacketParser.Parse(packet, 0, 0, out _));
    }

    [Fact]
    public void AnIpv4FragmentEndingPast65535IsAnOversizeFragment()
    {
        byte[] packet = PacketBuilder.Ipv4(PacketBuilder.Payload(16), 65528, false);
        Assert.Equal(PacketKind.OversizeFragment, Ipv4PacketParser.Parse(packet, 0, 0, out FragmentDescriptor fragment));
        Assert.Equal(65528, fragment.FragmentOffset);
    }

    [Fact]
    public void EthernetPaddingAfterTheIpv4TotalLengthIsIgnored()
    {
        byte[] packet = PacketBuilder.Ipv4(PacketBuilder.Payload(8), 8, true);
        byte[] padded = [.. packet, 0, 0, 0, 0, 0, 0];
        Assert.Equal(PacketKind.Fragment, Ipv4PacketParser.Parse(padded, 0, 0, out FragmentDescriptor fragment));
        Assert.Equal(8, fragment.DataLength);
    }

    [Fact]
    public void AnIpv6PayloadLengthLargerThanTheFrameIsMalformed()
    {
        byte[] packet = PacketBuilder.Ipv6Fragment(PacketBuilder.Payload(64), 0, true);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)(packet.Length - 39));
        Assert.Equal(PacketKind.Malformed, Ipv6PacketParser.Parse(packet, 0, 0, out _));
    }

    [Fact]
    public void AnIpv6FragmentEndingPast65535IsAnOversizeFragment()
    {
        byte[] packet = PacketBuilder.Ipv6Fragment(PacketBuilder.Payload(16), 65528, false);
        Assert.Equal(PacketKind.OversizeFragment, Ipv6PacketParser.Parse(packet, 0, 0, out FragmentDescriptor fragment));
        Assert.Equal(65528, fragment.FragmentOffset);
    }

    [Fact]
    public void AHopByHopHeaderAfterAnotherExtensionHeaderIsMalformed()
    {
        byte[] packet = PacketBuilder.Ipv6Fragment(PacketBuilder.Payload(16), 0, true, 1, 17, (60, PacketBuilder.Ipv6Option(8)), (0, PacketBuilder.Ipv6Option(8)));
        Assert.Equal(PacketKind.Malformed, Ipv6PacketParser.Parse(packet, 0, 0, out _));
    }

    [Fact]
    public void AnIpv6PacketWithoutAFragmentHeaderIsNotFragmented()
    {
        byte[] packet = PacketBuilder.Ipv6Whole(PacketBuilder.Payload(16), 17, (0, PacketBuilder.Ipv6Option(8)));
        Assert.Equal(PacketKind.NotFragmented, Ipv6PacketParser.Parse(packet, 0, 0, out _));
    }

    [Fact]
    public void TheIpv6DescriptorPointsAtTheNextHeaderByteToPatch()
    {
        byte[] packet = PacketBuilder.Ipv6Fragment(PacketBuilder.Payload(16), 16, true, 5, 6, (0, PacketBuilder.Ipv6Option(8)), (60, PacketBuilder.Ipv6Option(16)));
        Assert.Equal(PacketKind.Fragment, Ipv6PacketParser.Parse(packet, 0, 0, out FragmentDescriptor fragment));
        Assert.Equal(48, fragment.NextHeaderFieldOffset);
        Assert.Equal(64, fragment.HeaderLength);
        Assert.Equal(6, fragment.FragmentNextHeader);
        Assert.Equal(16, fragment.FragmentOffset);
        Assert.Equal(5u, fragment.Key.Identification);
    }

    [Fact]
    public void RandomBytesNeverMakeTheEngineThrow()
    {
        int seed = Environment.TickCount;
        var random = new Random(seed);
        var engine = ReassemblyEngine.Create();
        LinkType[] linkTypes = [LinkType.Ethernet, LinkType.Raw, LinkType.Ipv4, LinkType.Ipv6, LinkType.LinuxSll, LinkType.LinuxSll2, LinkType.Null, LinkType.Loop];
        byte[] frame = new byte[1600];
        for (int i = 0; i < 100_000; i++)
        {
            int length = random.Next(frame.Length);
            random.NextBytes(frame.AsSpan(0, length));

            // Bias towards frames that get past the first checks.
            LinkType linkType = linkTypes[i % linkTypes.Length];
            if (length > 0 && (linkType == LinkType.Ipv4 || linkType == LinkType.Ipv6 || linkType == LinkType.Raw))
            {
                frame[0] = (byte)((i % 2 == 0 ? 0x45 : 0x60) | (frame[0] & 0x0F));
            }

            FrameResult result = engine.Process(frame.AsSpan(0, length), linkType, i);
            result.Datagram?.Dispose();
        }

        Assert.Equal(100_000, engine.GetStatistics().Frames);
    }
}
