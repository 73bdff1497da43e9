using System.Buffers.Binary;
using Reassembly.Core;

namespace Reassembly.Parsing;

/// <summary>Classifies an IPv4 packet and, for a fragment, describes it (RFC 791).</summary>
internal static class Ipv4PacketParser
{
    /// <summary>
    /// Parses the IPv4 header at <paramref name="networkOffset"/>. Never throws: every inconsistency between the header's
    /// length fields and the bytes captured is <see cref="PacketKind.Malformed"/>.
    /// </summary>
    public static PacketKind Parse(ReadOnlySpan<byte> frame, int networkOffset, ulong vlanKey, out FragmentDescriptor fragment)
    {
        fragment = default;
        ReadOnlySpan<byte> packet = frame.Slice(networkOffset);
        if (packet.Length < Ipv4Header.MinimumLength || (packet[Ipv4Header.VersionAndIhl] >> 4) != 4)
        {
            return PacketKind.Malformed;
        }

        int headerLength = (packet[Ipv4Header.VersionAndIhl] & 0x0F) * 4;
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(packet.Slice(Ipv4Header.TotalLength));

        // Bytes past totalLength are link-layer padding (Ethernet's 60-byte minimum) and are ignored; fewer bytes
        // than totalLength means the length lies or the capture was snapped, and either way the data is not all here.
        if (headerLength < Ipv4Header.MinimumLength || totalLength < headerLength || totalLength > packet.Length)
        {
            return PacketKind.Malformed;
        }

        ushort flagsAndOffset = BinaryPrimitives.ReadUInt16BigEndian(packet.Slice(Ipv4Header.FlagsAndFragmentOffset));
        bool moreFragments = (flagsAndOffset & Ipv4Header.MoreFragmentsFlag) != 0;
        int fragmentOffset = (flagsAndOffset & Ipv4Header.FragmentOffsetMask) << 3;
        if (!moreFragments && fragmentOffset == 0)
        {
            return PacketKind.NotFragmented;
        }

        int dataLength = totalLength - headerLength;
        fragment.Key = FragmentKey.ForIpv4(
            vlanKey,
            BinaryPrimitives.ReadUInt32BigEndian(packet.Slice(Ipv4Header.SourceAddress)),
            BinaryPrimitives.ReadUInt32BigEndian(packet.Slice(Ipv4Header.DestinationAddress)),
            BinaryPrimitives.ReadUInt16BigEndian(packet.Slice(Ipv4Header.Identification)),
            packet[Ipv4Header.Protocol]);
        fragment.NetworkOffset = networkOffset;
        fragment.HeaderLength = headerLength;
        fragment.DataOffset = networkOffset + headerLength;
        fragment.FragmentOffset = fragmentOffset;
        fragment.DataLength = dataLength;
        fragment.MoreFragments = moreFragments;
        return fragmentOffset + dataLength > Ipv4Header.MaximumDatagramLength ? PacketKind.OversizeFragment : PacketKind.Fragment;
    }
}
