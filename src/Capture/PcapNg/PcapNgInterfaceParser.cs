using System;
using System.Text;
using Reassembly.Capture.Internal;

namespace Reassembly.Capture.PcapNg;

/// <summary>Turns the body of an interface description block into a <see cref="CaptureInterface"/>.</summary>
internal static class PcapNgInterfaceParser
{
    /// <summary>
    /// Parses <paramref name="body"/> (the block minus its generic header and trailer). Throws
    /// <see cref="CaptureFormatException"/> at <paramref name="blockOffset"/> when the body is too short for its fixed
    /// fields or an option runs past the end of the block.
    /// </summary>
    public static CaptureInterface Parse(ReadOnlySpan<byte> body, bool bigEndian, int id, long blockOffset)
    {
        if (body.Length < PcapNgFields.IdbFixedLength)
        {
            throw new CaptureFormatException(CaptureFormatError.InvalidLength, blockOffset,
                $"pcapng interface description block body is {body.Length} bytes, less than its {PcapNgFields.IdbFixedLength} fixed bytes");
        }

        var linkType = (LinkType)Endian.ReadUInt16(body[PcapNgFields.IdbLinkTypeOffset..], bigEndian);
        uint snapLength = Endian.ReadUInt32(body[PcapNgFields.IdbSnapLengthOffset..], bigEndian);
        string? name = null;
        CaptureTimestampResolution resolution = CaptureTimestampResolution.Microseconds;
        long offsetSeconds = 0;

        ReadOnlySpan<byte> options = body[PcapNgFields.IdbFixedLength..];

        // Writers that omit opt_endofopt, or leave fewer than 4 bytes of padding, are common; Wireshark accepts them, so do we.
        while (options.Length >= PcapNgFields.OptionHeaderLength)
        {
            ushort code = Endian.ReadUInt16(options[PcapNgFields.OptionCodeOffset..], bigEndian);
            int valueLength = Endian.ReadUInt16(options[PcapNgFields.OptionLengthOffset..], bigEndian);
            if (code == PcapNgFields.OptionEndOfOptions)
            {
                break;
            }

            if (PcapNgFields.OptionHeaderLength + valueLength > options.Length)
            {
                throw new CaptureFormatException(CaptureFormatError.InvalidOption, blockOffset,
                    $"pcapng interface option {code} claims {valueLength} bytes but only {options.Length - PcapNgFields.OptionHeaderLength} remain in the block");
            }

            ReadOnlySpan<byte> value = options.Slice(PcapNgFields.OptionHeaderLength, valueLength);
            switch (code)
            {
                case PcapNgFields.OptionIfName:
                    // UTF-8 per the spec; some writers include the C string's terminating NUL.
                    name = Encoding.UTF8.GetString(value.TrimEnd((byte)0));
                    break;
                case PcapNgFields.OptionIfTsResol when valueLength >= 1:
                    int exponent = value[0] & ~PcapNgFields.TsResolPowerOfTwoFlag;
                    resolution = (value[0] & PcapNgFields.TsResolPowerOfTwoFlag) != 0
                        ? CaptureTimestampResolution.PowerOfTwo(exponent)
                        : CaptureTimestampResolution.PowerOfTen(exponent);
                    break;
                case PcapNgFields.OptionIfTsOffset when valueLength >= sizeof(long):
                    offsetSeconds = Endian.ReadInt64(value, bigEndian);
                    break;
            }

            int advance = Math.Min(options.Length, PcapNgFields.OptionHeaderLength + PcapNgFields.Pad4(valueLength));
            options = options[advance..];
        }

        return new CaptureInterface(id, linkType, (int)Math.Min(snapLength, int.MaxValue), name, resolution, offsetSeconds);
    }
}
