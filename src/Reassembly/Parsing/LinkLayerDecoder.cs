using System.Buffers.Binary;

namespace Reassembly.Parsing;

/// <summary>
/// Finds the network-layer header inside a captured frame, for every link type the engine supports.
/// </summary>
internal static class LinkLayerDecoder
{
    private const int EthernetHeaderLength = 14;
    private const int EthernetTypeOffset = 12;
    private const int VlanTagLength = 4;

    // Linux cooked capture v1: packet type(2) ARPHRD(2) address length(2) address(8) protocol(2).
    private const int SllProtocolOffset = 14;
    private const int SllHeaderLength = 16;

    // Linux cooked capture v2: protocol(2) reserved(2) ifindex(4) ARPHRD(2) packet type(1) address length(1) address(8).
    private const int Sll2ProtocolOffset = 0;
    private const int Sll2HeaderLength = 20;

    private const int LoopbackHeaderLength = 4;

    // Address family values for IPv4/IPv6 used by the BSD loopback encapsulation on the systems that write it.
    private const uint AfInet = 2;
    private const uint AfInet6Linux = 10;
    private const uint AfInet6NetBsdOpenBsd = 24;
    private const uint AfInet6FreeBsd = 28;
    private const uint AfInet6Darwin = 30;

    public static LinkDecodeStatus Decode(ReadOnlySpan<byte> frame, LinkType linkType, out LinkLayerInfo info)
    {
        info = default;
        info.OuterVlanId = -1;
        switch (linkType)
        {
            case LinkType.Ethernet:
                if (frame.Length < EthernetHeaderLength)
                {
                    return LinkDecodeStatus.Truncated;
                }

                return DecodeEtherTypeChain(frame, EthernetTypeOffset, ref info);

            case LinkType.LinuxSll:
                if (frame.Length < SllHeaderLength)
                {
                    return LinkDecodeStatus.Truncated;
                }

                return DecodeEtherTypeChain(frame, SllProtocolOffset, ref info);

            case LinkType.LinuxSll2:
                if (frame.Length < Sll2HeaderLength)
                {
                    return LinkDecodeStatus.Truncated;
                }

                // SLL2 puts the protocol first, so the tags (if the kernel left them in the payload) follow the header.
                return DecodeTypeThenTags(frame, BinaryPrimitives.ReadUInt16BigEndian(frame.Slice(Sll2ProtocolOffset)), Sll2HeaderLength, ref info);

            case LinkType.Raw:
                if (frame.Length < 1)
                {
                    return LinkDecodeStatus.Truncated;
                }

                info.NetworkOffset = 0;
                info.Protocol = (frame[0] >> 4) switch
                {
                    4 => NetworkProtocol.Ipv4,
                    6 => NetworkProtocol.Ipv6,
                    _ => NetworkProtocol.Other,
                };
                return LinkDecodeStatus.Ok;

            case LinkType.Ipv4:
                info.Protocol = NetworkProtocol.Ipv4;
                return LinkDecodeStatus.Ok;

            case LinkType.Ipv6:
                info.Protocol = NetworkProtocol.Ipv6;
                return LinkDecodeStatus.Ok;

            case LinkType.Null:
            case LinkType.Loop:
                if (frame.Length < LoopbackHeaderLength)
                {
                    return LinkDecodeStatus.Truncated;
                }

                info.NetworkOffset = LoopbackHeaderLength;
                info.Protocol = ClassifyLoopbackFamily(frame, linkType);
                return LinkDecodeStatus.Ok;

            default:
                return LinkDecodeStatus.UnsupportedLinkType;
        }
    }

    private static NetworkProtocol ClassifyLoopbackFamily(ReadOnlySpan<byte> frame, LinkType linkType)
    {
        // DLT_LOOP is always network byte order. DLT_NULL is the writer's host order, which the file does not record:
        // every family value is below 2^16, so whichever reading is small is the right one.
        uint family = BinaryPrimitives.ReadUInt32BigEndian(frame);
        if (linkType == LinkType.Null && family > 0xFFFF)
        {
            family = BinaryPrimitives.ReverseEndianness(family);
        }

        return family switch
        {
            AfInet => NetworkProtocol.Ipv4,
            AfInet6Linux or AfInet6NetBsdOpenBsd or AfInet6FreeBsd or AfInet6Darwin => NetworkProtocol.Ipv6,
            _ => NetworkProtocol.Other,
        };
    }

    private static LinkDecodeStatus DecodeEtherTypeChain(ReadOnlySpan<byte> frame, int typeOffset, ref LinkLayerInfo info)
    {
        ushort etherType = BinaryPrimitives.ReadUInt16BigEndian(frame.Slice(typeOffset));
        return DecodeTypeThenTags(frame, etherType, typeOffset + 2, ref info);
    }

    /// <summary>
    /// Walks 802.1Q/802.1ad tags of any depth. Each tag is TCI(2) then the next EtherType(2), so the loop is bounded
    /// by the frame length: a frame of tags only ends as <see cref="LinkDecodeStatus.Truncated"/>.
    /// </summary>
    private static LinkDecodeStatus DecodeTypeThenTags(ReadOnlySpan<byte> frame, ushort etherType, int offset, ref LinkLayerInfo info)
    {
        while (EtherTypes.IsVlanTag(etherType))
        {
            if (frame.Length < offset + VlanTagLength)
            {
                return LinkDecodeStatus.Truncated;
            }

            int vlanId = BinaryPrimitives.ReadUInt16BigEndian(frame.Slice(offset)) & 0x0FFF;
            if (info.VlanDepth == 0)
            {
                info.OuterVlanId = vlanId;
            }

            info.VlanKey = VlanStack.Push(info.VlanKey, info.VlanDepth, vlanId);
            info.VlanDepth++;
            etherType = BinaryPrimitives.ReadUInt16BigEndian(frame.Slice(offset + 2));
            offset += VlanTagLength;
        }

        info.NetworkOffset = offset;
        info.Protocol = etherType switch
        {
            EtherTypes.Ipv4 => NetworkProtocol.Ipv4,
            EtherTypes.Ipv6 => NetworkProtocol.Ipv6,
            _ => NetworkProtocol.Other,
        };
        return LinkDecodeStatus.Ok;
    }
}
