using System.Buffers.Binary;
using Reassembly.Parsing;
using Reassembly.Tests.Helpers;

namespace Reassembly.Tests.Parsing;

public sealed class LinkLayerDecoderTests
{
    private static readonly byte[] Ipv4Packet = PacketBuilder.Ipv4(PacketBuilder.Payload(16), 0, false);
    private static readonly byte[] Ipv6Packet = PacketBuilder.Ipv6Whole(PacketBuilder.Payload(16));

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public void EthernetWithAnyNumberOfVlanTagsFindsTheIpHeader(int tags)
    {
        ushort[] vlans = Enumerable.Range(1, tags).Select(i => (ushort)(i * 100)).ToArray();
        byte[] frame = PacketBuilder.Ethernet(0x0800, Ipv4Packet, vlans);

        Assert.Equal(LinkDecodeStatus.Ok, LinkLayerDecoder.Decode(frame, LinkType.Ethernet, out LinkLayerInfo info));
        Assert.Equal(NetworkProtocol.Ipv4, info.Protocol);
        Assert.Equal(14 + (4 * tags), info.NetworkOffset);
        Assert.Equal(tags, info.VlanDepth);
        Assert.Equal(tags == 0 ? -1 : 100, info.OuterVlanId);
    }

    [Fact]
    public void VlanStacksThatDifferAnywhereGiveDifferentKeys()
    {
        var keys = new HashSet<ulong>();
        ushort[][] stacks = [[], [1], [2], [1, 2], [2, 1], [1, 2, 3], [1, 2, 3, 4], [1, 2, 3, 5], [1, 2, 3, 4, 5], [1, 2, 3, 4, 6], [0]];
        foreach (ushort[] stack in stacks)
        {
            LinkLayerDecoder.Decode(PacketBuilder.Ethernet(0x0800, Ipv4Packet, stack), LinkType.Ethernet, out LinkLayerInfo info);
            Assert.True(keys.Add(info.VlanKey), $"stack [{string.Join(',', stack)}] collides");
        }
    }

    [Fact]
    public void LinuxCookedCaptureV1AndV2FindTheIpHeader()
    {
        var sll = new byte[16 + Ipv6Packet.Length];
        BinaryPrimitives.WriteUInt16BigEndian(sll.AsSpan(14), 0x86DD);
        Ipv6Packet.CopyTo(sll, 16);
        Assert.Equal(LinkDecodeStatus.Ok, LinkLayerDecoder.Decode(sll, LinkType.LinuxSll, out LinkLayerInfo v1));
        Assert.Equal((NetworkProtocol.Ipv6, 16), (v1.Protocol, v1.NetworkOffset));

        var sll2 = new byte[20 + Ipv4Packet.Length];
        BinaryPrimitives.WriteUInt16BigEndian(sll2, 0x0800);
        Ipv4Packet.CopyTo(sll2, 20);
        Assert.Equal(LinkDecodeStatus.Ok, LinkLayerDecoder.Decode(sll2, LinkType.LinuxSll2, out LinkLayerInfo v2));
        Assert.Equal((NetworkProtocol.Ipv4, 20), (v2.Protocol, v2.NetworkOffset));
    }

    [Theory]
    [InlineData(LinkType.Raw, 4)]
    [InlineData(LinkType.Raw, 6)]
    [InlineData(LinkType.Ipv4, 4)]
    [InlineData(LinkType.Ipv6, 6)]
    public void RawIpTakesTheFamilyFromTheLinkTypeOrTheVersionNibble(LinkType linkType, int version)
    {
        byte[] frame = version == 4 ? Ipv4Packet : Ipv6Packet;
        Assert.Equal(LinkDecodeStatus.Ok, LinkLayerDecoder.Decode(frame, linkType, out LinkLayerInfo info));
        Assert.Equal(version == 4 ? NetworkProtocol.Ipv4 : NetworkProtocol.Ipv6, info.Protocol);
        Assert.Equal(0, info.NetworkOffset);
    }

    [Theory]
    [InlineData(LinkType.Null, 2u, false, 4)]
    [InlineData(LinkType.Null, 2u, true, 4)]
    [InlineData(LinkType.Null, 10u, false, 6)]
    [InlineData(LinkType.Null, 24u, false, 6)]
    [InlineData(LinkType.Null, 28u, true, 6)]
    [InlineData(LinkType.Null, 30u, false, 6)]
    [InlineData(LinkType.Loop, 2u, true, 4)]
    [InlineData(LinkType.Loop, 30u, true, 6)]
    [InlineData(LinkType.Null, 7u, false, 0)]
    public void BsdLoopbackReadsTheAddressFamilyInEitherByteOrder(LinkType linkType, uint family, bool bigEndian, int expectedVersion)
    {
        var frame = new byte[4 + 40];
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt32BigEndian(frame, family);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(frame, family);
        }

        Assert.Equal(LinkDecodeStatus.Ok, LinkLayerDecoder.Decode(frame, linkType, out LinkLayerInfo info));
        Assert.Equal(expectedVersion switch { 4 => NetworkProtocol.Ipv4, 6 => NetworkProtocol.Ipv6, _ => NetworkProtocol.Other }, info.Protocol);
        Assert.Equal(4, info.NetworkOffset);
    }

    [Fact]
    public void EveryTruncationOfATaggedFrameIsReportedAndNeverThrows()
    {
        byte[] frame = PacketBuilder.Ethernet(0x86DD, Ipv6Packet, 1, 2, 3);
        for (int length = 0; length < 14 + 12; length++)
        {
            Assert.Equal(LinkDecodeStatus.Truncated, LinkLayerDecoder.Decode(frame.AsSpan(0, length), LinkType.Ethernet, out _));
        }
    }

    [Fact]
    public void AnUnknownLinkTypeIsReportedAsUnsupported()
    {
        Assert.Equal(LinkDecodeStatus.UnsupportedLinkType, LinkLayerDecoder.Decode(Ipv4Packet, (LinkType)147, out _));
    }
}
