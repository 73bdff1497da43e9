using System.Buffers.Binary;
using Reassembly.Core;
using Reassembly.Parsing;

namespace Reassembly.Lowpan;

/// <summary>
/// Classifies an IEEE 802.15.4 frame for the engine: the MAC header (<see cref="Ieee802154FrameParser"/>), then the
/// 6LoWPAN header stack of RFC 4944 section 5 in its fixed order (mesh, broadcast, fragment, then IPHC or an
/// uncompressed IPv6 header). Stateless, no allocation, never throws; the decompression itself happens in the worker,
/// which owns the contexts and the buffers.
/// </summary>
/// <remarks>
/// The key's addresses are the frame's link-layer source and destination, or, behind a mesh header, its originator and
/// final destination (RFC 4944 sections 5.2 and 11: those name the datagram's ends, and it is from them that elided IPv6
/// addresses are derived). A FRAGN with offset 0 is malformed: only FRAG1 may start a datagram, since it alone carries
/// the compressed header (Linux sets FIRST_IN for FRAG1 only).
/// </remarks>
internal static class LowpanFrameParser
{
    private const int MeshVeryBit = 0x20;
    private const int MeshFinalBit = 0x10;
    private const int MeshHopsMask = 0x0F;
    private const int MeshHopsExtended = 0x0F;

    public static PacketKind Classify(ReadOnlySpan<byte> frame, LinkType linkType, out FragmentDescriptor fragment)
    {
        // A family even without addresses, so that a report of an undecodable frame still says "lowpan".
        fragment = default;
        fragment.Key = FragmentKey.ForLowpan(default, default, 0, 0);
        Ieee802154Status status = Ieee802154FrameParser.Parse(frame, linkType, out Ieee802154Header mac);
        switch (status)
        {
            case Ieee802154Status.Ok:
                break;
            case Ieee802154Status.Unsupported:
                return PacketKind.LowpanUnsupported;
            default:
                return PacketKind.Malformed;
        }

        if (mac.SecurityEnabled)
        {
            return PacketKind.LowpanSecured;
        }

        if (mac.FrameType != Ieee802154FrameType.Data || mac.PayloadLength == 0)
        {
            return PacketKind.LowpanNotIp;
        }

        ReadOnlySpan<byte> payload = frame.Slice(mac.PayloadOffset, mac.PayloadLength);
        Ieee802154Address source = mac.Source;
        Ieee802154Address destination = mac.Destination;
        int offset = 0;
        if ((payload[0] & LowpanDispatch.NotLowpanMask) == 0)
        {
            return PacketKind.LowpanNotIp;
        }

        if ((payload[0] & LowpanDispatch.MeshMask) == LowpanDispatch.Mesh
            && !TryReadMeshHeader(payload, ref offset, mac.Destination.PanId, ref source, ref destination))
        {
            return PacketKind.Malformed;
        }

        if (offset < payload.Length && payload[offset] == LowpanDispatch.Broadcast0)
        {
            offset += LowpanDispatch.Broadcast0Length;
        }

        if (offset >= payload.Length)
        {
            return PacketKind.Malformed;
        }

        byte dispatch = (byte)(payload[offset] & LowpanDispatch.FragmentMask);
        int datagramSize = 0;
        ushort tag = 0;
        int datagramOffset = 0;
        if (dispatch is LowpanDispatch.Frag1 or LowpanDispatch.FragN)
        {
            int headerLength = dispatch == LowpanDispatch.Frag1 ? LowpanDispatch.Frag1Length : LowpanDispatch.FragNLength;
            if (payload.Length < offset + headerLength)
            {
                return PacketKind.Malformed;
            }

            datagramSize = BinaryPrimitives.ReadUInt16BigEndian(payload[offset..]) & 0x07FF;
            tag = BinaryPrimitives.ReadUInt16BigEndian(payload[(offset + 2)..]);
            if (dispatch == LowpanDispatch.FragN)
            {
                datagramOffset = payload[offset + 4] * 8;
            }

            offset += headerLength;
            fragment.LowpanDispatch = dispatch;
        }

        fragment.Key = FragmentKey.ForLowpan(source, destination, datagramSize, tag);
        fragment.DataOffset = mac.PayloadOffset + offset;
        fragment.DataLength = payload.Length - offset;
        fragment.FragmentOffset = datagramOffset;
        if (dispatch == LowpanDispatch.FragN)
        {
            // The datagram's own bytes; the worker decides zero length and ends against the queue.
            return datagramOffset == 0 ? PacketKind.Malformed : PacketKind.Fragment;
        }

        // FRAG1 or unfragmented: an IPHC or uncompressed IPv6 header must follow (Linux drops anything else in FRAG1).
        if (offset >= payload.Length)
        {
            return PacketKind.Malformed;
        }

        byte next = payload[offset];
        bool ipv6 = (next & LowpanDispatch.IphcMask) == LowpanDispatch.Iphc || next == LowpanDispatch.Ipv6;
        if (!ipv6)
        {
            // An unfragmented data frame with a dispatch outside those (HC1, ESC, reserved ranges) is a form we do not decode.
            return PacketKind.LowpanUnsupported;
        }

        if (dispatch == LowpanDispatch.Frag1 && datagramSize < IphcDecompressor.Ipv6HeaderLength)
        {
            // lowpan_get_cb: a FRAG1 whose datagram cannot even hold the IPv6 header.
            return PacketKind.Malformed;
        }

        return dispatch == LowpanDispatch.Frag1 ? PacketKind.Fragment : PacketKind.NotFragmented;
    }

    /// <summary>
    /// RFC 4944 5.2: V and F say whether the originator and final addresses are short (1) or extended (0); hops left
    /// 0xF means an extra octet holds the count. The addresses are in network order; they take the MAC frame's PAN.
    /// </summary>
    private static bool TryReadMeshHeader(ReadOnlySpan<byte> payload, ref int offset, ushort panId, ref Ieee802154Address source, ref Ieee802154Address destination)
    {
        byte first = payload[offset];
        int length = 1 + ((first & MeshHopsMask) == MeshHopsExtended ? 1 : 0);
        int originatorLength = (first & MeshVeryBit) != 0 ? 2 : 8;
        int finalLength = (first & MeshFinalBit) != 0 ? 2 : 8;
        if (payload.Length < offset + length + originatorLength + finalLength)
        {
            return false;
        }

        int at = offset + length;
        source = ReadMeshAddress(payload.Slice(at, originatorLength), panId);
        destination = ReadMeshAddress(payload.Slice(at + originatorLength, finalLength), panId);
        offset = at + originatorLength + finalLength;
        return true;
    }

    private static Ieee802154Address ReadMeshAddress(ReadOnlySpan<byte> bytes, ushort panId) => bytes.Length == 2
        ? new Ieee802154Address(Ieee802154AddressMode.Short, panId, BinaryPrimitives.ReadUInt16BigEndian(bytes))
        : new Ieee802154Address(Ieee802154AddressMode.Extended, panId, BinaryPrimitives.ReadUInt64BigEndian(bytes));
}
