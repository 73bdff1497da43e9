using System.Buffers.Binary;

namespace Reassembly.Lowpan;

/// <summary>
/// Decodes the MAC header of an IEEE 802.15.4 frame (IEEE 802.15.4-2003/2006/2015, section 7.2): frame control,
/// sequence number, addressing fields with every address mode and PAN ID compression, and the FCS where the link type
/// has one. Stateless; never throws.
/// </summary>
/// <remarks>
/// Link types: 230 (<see cref="LinkType.Ieee802154NoFcs"/>) is the MAC frame alone; 195
/// (<see cref="LinkType.Ieee802154WithFcs"/>) ends with the 2-octet FCS, which is checked; 215
/// (<see cref="LinkType.Ieee802154Tap"/>) starts with a TAP header (version, reserved, little-endian total length, then
/// TLVs) whose FCS-type TLV (type 0) says whether a 2- or 4-octet FCS ends the frame (none when it is absent; the
/// 4-octet CRC of 802.15.4g is not checked). 2015 information elements are skipped. The auxiliary security header of a secured frame is not
/// decoded: the caller counts such frames and passes them through.
/// </remarks>
internal static class Ieee802154FrameParser
{
    // Frame control bits (little-endian 16-bit field).
    private const int FrameTypeMask = 0x0007;
    private const int SecurityEnabledBit = 0x0008;
    private const int PanIdCompressionBit = 0x0040;
    private const int SequenceSuppressionBit = 0x0100;
    private const int InformationElementsBit = 0x0200;
    private const int DestinationModeShift = 10;
    private const int FrameVersionShift = 12;
    private const int SourceModeShift = 14;

    private const int FrameControlLength = 2;
    private const int FcsLength = 2;
    private const int TapFixedLength = 4;
    private const int TapTlvHeaderLength = 4;
    private const ushort TapFcsTypeTlv = 0;

    public static Ieee802154Status Parse(ReadOnlySpan<byte> frame, LinkType linkType, out Ieee802154Header header)
    {
        header = default;
        int start = 0;
        int fcsLength = 0;
        bool checkFcs = false;
        switch (linkType)
        {
            case LinkType.Ieee802154WithFcs:
                fcsLength = FcsLength;
                checkFcs = true;
                break;
            case LinkType.Ieee802154Tap:
                Ieee802154Status tap = ParseTapHeader(frame, out start, out fcsLength);
                if (tap != Ieee802154Status.Ok)
                {
                    return tap;
                }

                checkFcs = fcsLength == FcsLength;
                break;
        }

        ReadOnlySpan<byte> mac = frame[start..];
        if (mac.Length < FrameControlLength + fcsLength)
        {
            return Ieee802154Status.Truncated;
        }

        int macLength = mac.Length - fcsLength;
        if (checkFcs && Ieee802154Fcs.Compute(mac[..macLength]) != BinaryPrimitives.ReadUInt16LittleEndian(mac[macLength..]))
        {
            return Ieee802154Status.BadFcs;
        }

        mac = mac[..macLength];
        int control = BinaryPrimitives.ReadUInt16LittleEndian(mac);
        int type = control & FrameTypeMask;
        int version = (control >> FrameVersionShift) & 3;
        var destinationMode = (Ieee802154AddressMode)((control >> DestinationModeShift) & 3);
        var sourceMode = (Ieee802154AddressMode)((control >> SourceModeShift) & 3);

        // Types 4-7 (multipurpose, fragment, extended) have another frame control layout; version 3 is reserved.
        if (type > (int)Ieee802154FrameType.MacCommand || version == 3
            || destinationMode == Ieee802154AddressMode.Reserved || sourceMode == Ieee802154AddressMode.Reserved)
        {
            return Ieee802154Status.Unsupported;
        }

        header.FrameType = (Ieee802154FrameType)type;
        header.FrameVersion = (byte)version;
        header.SecurityEnabled = (control & SecurityEnabledBit) != 0;
        bool panIdCompression = (control & PanIdCompressionBit) != 0;
        int offset = FrameControlLength;
        header.SequenceNumber = -1;
        if (version < 2 || (control & SequenceSuppressionBit) == 0)
        {
            if (mac.Length < offset + 1)
            {
                return Ieee802154Status.Truncated;
            }

            header.SequenceNumber = mac[offset++];
        }

        PanIdPresence(version, destinationMode, sourceMode, panIdCompression, out bool destinationPan, out bool sourcePan);
        ushort destinationPanId = 0;
        if (destinationPan && !TryReadUInt16(mac, ref offset, out destinationPanId))
        {
            return Ieee802154Status.Truncated;
        }

        if (!TryReadAddress(mac, ref offset, destinationMode, out ulong destination))
        {
            return Ieee802154Status.Truncated;
        }

        // An elided source PAN ID is the destination's (the frame stays within one PAN).
        ushort sourcePanId = destinationPanId;
        if (sourcePan && !TryReadUInt16(mac, ref offset, out sourcePanId))
        {
            return Ieee802154Status.Truncated;
        }

        if (!TryReadAddress(mac, ref offset, sourceMode, out ulong source))
        {
            return Ieee802154Status.Truncated;
        }

        header.Destination = new Ieee802154Address(destinationMode, destinationMode == Ieee802154AddressMode.None ? (ushort)0 : destinationPanId, destination);
        header.Source = new Ieee802154Address(sourceMode, sourceMode == Ieee802154AddressMode.None ? (ushort)0 : sourcePanId, source);
        // A secured frame's auxiliary security header comes first and its payload IEs are encrypted: the caller only
        // counts such frames, so the IEs are walked for plain frames alone.
        if (version == 2 && (control & InformationElementsBit) != 0 && !header.SecurityEnabled)
        {
            Ieee802154Status walked = SkipInformationElements(mac, ref offset);
            if (walked != Ieee802154Status.Ok)
            {
                return walked;
            }
        }

        header.PayloadOffset = start + offset;
        header.PayloadLength = macLength - offset;
        return Ieee802154Status.Ok;
    }

    /// <summary>
    /// Which PAN IDs the addressing fields carry. 2003/2006 (7.2.1.5): the destination PAN ID comes with a
    /// destination address; the source PAN ID with a source address unless PAN ID compression says it equals the
    /// destination's. 2015 (table 7-2) decides on the pair of modes and the bit.
    /// </summary>
    private static void PanIdPresence(int version, Ieee802154AddressMode destinationMode, Ieee802154AddressMode sourceMode, bool compression, out bool destinationPan, out bool sourcePan)
    {
        bool hasDestination = destinationMode != Ieee802154AddressMode.None;
        bool hasSource = sourceMode != Ieee802154AddressMode.None;
        if (version < 2)
        {
            destinationPan = hasDestination;
            sourcePan = hasSource && !(compression && hasDestination);
            return;
        }

        if (!hasDestination && !hasSource)
        {
            destinationPan = compression;
            sourcePan = false;
        }
        else if (!hasSource)
        {
            destinationPan = !compression;
            sourcePan = false;
        }
        else if (!hasDestination)
        {
            destinationPan = false;
            sourcePan = !compression;
        }
        else if (destinationMode == Ieee802154AddressMode.Extended && sourceMode == Ieee802154AddressMode.Extended)
        {
            destinationPan = !compression;
            sourcePan = false;
        }
        else
        {
            destinationPan = true;
            sourcePan = !compression;
        }
    }

    /// <summary>
    /// IEEE 802.15.4-2015 7.4: header IEs (descriptor: length 7 bits, element ID 8, type 0) up to a termination IE
    /// (0x7E: payload IEs follow; 0x7F: the payload follows), then payload IEs (length 11 bits, group ID 4, type 1) up
    /// to the payload termination group (0xF). IEs that run to the frame's end leave an empty payload.
    /// </summary>
    private static Ieee802154Status SkipInformationElements(ReadOnlySpan<byte> mac, ref int offset)
    {
        const int HeaderTerminationThenPayloadIes = 0x7E;
        const int HeaderTerminationThenPayload = 0x7F;
        const int PayloadTerminationGroup = 0xF;
        bool payloadIes = false;
        while (offset < mac.Length)
        {
            if (!TryReadUInt16(mac, ref offset, out ushort descriptor))
            {
                return Ieee802154Status.Truncated;
            }

            if ((descriptor & 0x8000) != 0)
            {
                // A payload IE where a header IE must be.
                return Ieee802154Status.Unsupported;
            }

            int length = descriptor & 0x7F;
            int id = (descriptor >> 7) & 0xFF;
            if (mac.Length < offset + length)
            {
                return Ieee802154Status.Truncated;
            }

            offset += length;
            if (id == HeaderTerminationThenPayload)
            {
                return Ieee802154Status.Ok;
            }

            if (id == HeaderTerminationThenPayloadIes)
            {
                payloadIes = true;
                break;
            }
        }

        while (payloadIes && offset < mac.Length)
        {
            if (!TryReadUInt16(mac, ref offset, out ushort descriptor))
            {
                return Ieee802154Status.Truncated;
            }

            int length = descriptor & 0x07FF;
            if ((descriptor & 0x8000) == 0)
            {
                return Ieee802154Status.Unsupported;
            }

            if (mac.Length < offset + length)
            {
                return Ieee802154Status.Truncated;
            }

            offset += length;
            if (((descriptor >> 11) & 0xF) == PayloadTerminationGroup)
            {
                break;
            }
        }

        return Ieee802154Status.Ok;
    }

    private static bool TryReadUInt16(ReadOnlySpan<byte> mac, ref int offset, out ushort value)
    {
        if (mac.Length < offset + 2)
        {
            value = 0;
            return false;
        }

        value = BinaryPrimitives.ReadUInt16LittleEndian(mac[offset..]);
        offset += 2;
        return true;
    }

    private static bool TryReadAddress(ReadOnlySpan<byte> mac, ref int offset, Ieee802154AddressMode mode, out ulong value)
    {
        value = 0;
        switch (mode)
        {
            case Ieee802154AddressMode.Short:
                bool read = TryReadUInt16(mac, ref offset, out ushort shortAddress);
                value = shortAddress;
                return read;
            case Ieee802154AddressMode.Extended:
                if (mac.Length < offset + 8)
                {
                    return false;
                }

                value = BinaryPrimitives.ReadUInt64LittleEndian(mac[offset..]);
                offset += 8;
                return true;
            default:
                return true;
        }
    }

    private static Ieee802154Status ParseTapHeader(ReadOnlySpan<byte> frame, out int length, out int fcsLength)
    {
        fcsLength = 0;
        length = 0;
        if (frame.Length < TapFixedLength)
        {
            return Ieee802154Status.Truncated;
        }

        if (frame[0] != 0)
        {
            return Ieee802154Status.Unsupported;
        }

        length = BinaryPrimitives.ReadUInt16LittleEndian(frame[2..]);
        if (length < TapFixedLength || (length & 3) != 0)
        {
            return Ieee802154Status.Unsupported;
        }

        if (frame.Length < length)
        {
            return Ieee802154Status.Truncated;
        }

        // TLVs: type and length (little-endian), the value padded to 4 octets. Each step moves on by at least 4.
        int offset = TapFixedLength;
        while (offset + TapTlvHeaderLength <= length)
        {
            int type = BinaryPrimitives.ReadUInt16LittleEndian(frame[offset..]);
            int valueLength = BinaryPrimitives.ReadUInt16LittleEndian(frame[(offset + 2)..]);
            int next = offset + TapTlvHeaderLength + ((valueLength + 3) & ~3);
            if (next > length)
            {
                return Ieee802154Status.Unsupported;
            }

            if (type == TapFcsTypeTlv && valueLength >= 1)
            {
                fcsLength = frame[offset + TapTlvHeaderLength] switch
                {
                    1 => 2,
                    2 => 4,
                    _ => 0,
                };
            }

            offset = next;
        }

        return Ieee802154Status.Ok;
    }
}
