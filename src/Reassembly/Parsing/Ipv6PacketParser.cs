using System.Buffers.Binary;
using Reassembly.Core;

namespace Reassembly.Parsing;

/// <summary>
/// Classifies an IPv6 packet by walking its extension header chain up to the Fragment header (RFC 8200, 4.1 and 4.5).
/// </summary>
internal static class Ipv6PacketParser
{
    /// <summary>
    /// Parses the IPv6 header at <paramref name="networkOffset"/>. Hop-by-hop, routing and destination options headers
    /// before the Fragment header form the unfragmentable part that the reassembled packet keeps. Never throws.
    /// </summary>
    public static PacketKind Parse(ReadOnlySpan<byte> frame, int networkOffset, ulong vlanKey, out FragmentDescriptor fragment)
    {
        fragment = default;
        ReadOnlySpan<byte> packet = frame.Slice(networkOffset);
        if (packet.Length < Ipv6Header.Length || (packet[Ipv6Header.VersionClassFlow] >> 4) != 6)
        {
            return PacketKind.Malformed;
        }

        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(packet.Slice(Ipv6Header.PayloadLength));
        if (payloadLength == 0)
        {
            // A jumbogram (RFC 2675) or an empty packet: neither can carry a Fragment header that we could honour.
            return PacketKind.NotFragmented;
        }

        int packetLength = Ipv6Header.Length + payloadLength;
        if (packetLength > packet.Length)
        {
            return PacketKind.Malformed;
        }

        byte nextHeader = packet[Ipv6Header.NextHeader];
        int nextHeaderField = Ipv6Header.NextHeader;
        int position = Ipv6Header.Length;

        // Every step advances by at least 8 bytes inside packetLength, so the walk is bounded by the packet itself.
        while (true)
        {
            switch (nextHeader)
            {
                case Ipv6Header.HopByHopOptions when position != Ipv6Header.Length:
                    // RFC 8200 4.1: hop-by-hop options may only follow the IPv6 header; Linux rejects anything else.
                    return PacketKind.Malformed;

                case Ipv6Header.HopByHopOptions:
                case Ipv6Header.Routing:
                case Ipv6Header.DestinationOptions:
                    if (position + 2 > packetLength)
                    {
                        return PacketKind.Malformed;
                    }

                    int extensionLength = (packet[position + Ipv6Header.ExtensionLength] + 1) * 8;
                    if (position + extensionLength > packetLength)
                    {
                        return PacketKind.Malformed;
                    }

                    nextHeaderField = position + Ipv6Header.ExtensionNextHeader;
                    nextHeader = packet[nextHeaderField];
                    position += extensionLength;
                    break;

                case Ipv6Header.Fragment:
                    return DescribeFragment(packet, packetLength, position, nextHeaderField, networkOffset, vlanKey, ref fragment);

                default:
                    return PacketKind.NotFragmented;
            }
        }
    }

    private static PacketKind DescribeFragment(
        ReadOnlySpan<byte> packet, int packetLength, int position, int nextHeaderField, int networkOffset, ulong vlanKey, ref FragmentDescriptor fragment)
    {
        if (position + Ipv6Header.FragmentHeaderLength > packetLength)
        {
            return PacketKind.Malformed;
        }

        ReadOnlySpan<byte> fragmentHeader = packet.Slice(position, Ipv6Header.FragmentHeaderLength);
        ushort offsetAndFlags = BinaryPrimitives.ReadUInt16BigEndian(fragmentHeader.Slice(Ipv6Header.FragmentOffsetAndFlags));
        int fragmentOffset = offsetAndFlags & Ipv6Header.FragmentOffsetMask;
        bool moreFragments = (offsetAndFlags & Ipv6Header.MoreFragmentsFlag) != 0;
        int dataOffset = position + Ipv6Header.FragmentHeaderLength;
        int dataLength = packetLength - dataOffset;

        fragment.Key = FragmentKey.ForIpv6(
            vlanKey,
            packet.Slice(Ipv6Header.SourceAddress, 16),
            packet.Slice(Ipv6Header.DestinationAddress, 16),
            BinaryPrimitives.ReadUInt32BigEndian(fragmentHeader.Slice(Ipv6Header.FragmentIdentification)));
        fragment.NetworkOffset = networkOffset;
        fragment.HeaderLength = position;
        fragment.DataOffset = networkOffset + dataOffset;
        fragment.FragmentOffset = fragmentOffset;
        fragment.DataLength = dataLength;
        fragment.MoreFragments = moreFragments;
        fragment.NextHeaderFieldOffset = nextHeaderField;
        fragment.FragmentNextHeader = fragmentHeader[Ipv6Header.FragmentNextHeader];
        if (fragmentOffset == 0 && !moreFragments)
        {
            // Described all the same, so that the engine can report it.
            return PacketKind.AtomicFragment;
        }

        // IPV6_MAXPLEN bounds the end of the fragmentable part (Linux ip6_frag_queue answers with a parameter problem).
        if (fragmentOffset + dataLength > Ipv6Header.MaximumPayloadLength)
        {
            return PacketKind.OversizeFragment;
        }

        if (fragmentOffset == 0 && !HoldsHeaderChain(packet.Slice(dataOffset, dataLength), fragment.FragmentNextHeader))
        {
            return PacketKind.IncompleteHeaderChain;
        }

        return PacketKind.Fragment;
    }

    /// <summary>
    /// RFC 7112 (RFC 8200 section 4.5): true when the first fragment's data, whose first header is
    /// <paramref name="nextHeader"/>, holds every extension header and the upper-layer header's fixed part. The
    /// upper-layer minimums are Linux's (<c>ipv6frag_thdr_truncated</c>): TCP 20, UDP 8, ICMPv6 8, anything else 1.
    /// Unlike Linux, a truncated extension header also fails, as the RFC asks.
    /// </summary>
    private static bool HoldsHeaderChain(ReadOnlySpan<byte> data, byte nextHeader)
    {
        int position = 0;

        // Every extension header is at least 8 bytes, so the walk ends within data.Length / 8 steps.
        while (true)
        {
            int needed;
            switch (nextHeader)
            {
                case Ipv6Header.Routing:
                case Ipv6Header.DestinationOptions:
                case Ipv6Header.Mobility:
                case Ipv6Header.HostIdentity:
                case Ipv6Header.Shim6:
                case Ipv6Header.Experimental1:
                case Ipv6Header.Experimental2:
                case Ipv6Header.AuthenticationHeader:
                    if (position + 2 > data.Length)
                    {
                        return false;
                    }

                    int length = nextHeader == Ipv6Header.AuthenticationHeader
                        ? (data[position + Ipv6Header.ExtensionLength] + 2) * 4
                        : (data[position + Ipv6Header.ExtensionLength] + 1) * 8;
                    nextHeader = data[position + Ipv6Header.ExtensionNextHeader];
                    position += length;
                    if (position > data.Length)
                    {
                        return false;
                    }

                    continue;

                case Ipv6Header.NoNextHeader:
                case Ipv6Header.EncapsulatingSecurityPayload:
                    // Nothing follows, or nothing more can be read: the chain is as whole as it can be.
                    return true;

                case Ipv6Header.Tcp:
                    needed = 20;
                    break;
                case Ipv6Header.Udp:
                case Ipv6Header.Icmpv6:
                    needed = 8;
                    break;
                default:
                    needed = 1;
                    break;
            }

            return position + needed <= data.Length;
        }
    }
}
