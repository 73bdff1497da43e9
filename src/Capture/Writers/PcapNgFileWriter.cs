using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics;
using System.Text;
using Reassembly.Capture.PcapNg;

namespace Reassembly.Capture.Writers;

/// <summary>
/// Writes pcapng, little-endian: one section header block, an interface description block per <see cref="AddInterface"/>
/// (written where it is added, which pcapng allows anywhere before the interface's first packet), and an enhanced packet
/// block per frame.
/// </summary>
internal sealed class PcapNgFileWriter : CaptureFileWriter
{
    // The reader's default record limit, less the EPB overhead, so that whatever we write we can read back.
    private const int MaxCapturedLength = (256 * 1024 * 1024) - EpbOverhead;
    private const int EpbOverhead = PcapNgFields.BlockHeaderLength + PcapNgFields.EpbFixedLength + PcapNgFields.BlockTrailerLength;

    // Per interface: whether its timestamps are in nanoseconds (if_tsresol = 9) or microseconds (the pcapng default).
    private readonly List<bool> _nanosecond = [];

    public PcapNgFileWriter(BufferedFileSink sink)
        : base(sink)
    {
        const int length = PcapNgFields.MinimumBlockLength + PcapNgFields.ShbFixedLength;
        Span<byte> block = stackalloc byte[length];
        WriteBlockFrame(block, PcapNgBlockType.SectionHeader);
        Span<byte> body = block[PcapNgFields.BlockHeaderLength..];
        BinaryPrimitives.WriteUInt32LittleEndian(body[PcapNgFields.ShbByteOrderMagicOffset..], PcapNgFields.ByteOrderMagic);
        BinaryPrimitives.WriteUInt16LittleEndian(body[PcapNgFields.ShbVersionMajorOffset..], PcapNgFields.VersionMajor);
        BinaryPrimitives.WriteUInt16LittleEndian(body[PcapNgFields.ShbVersionMinorOffset..], PcapNgFields.VersionMinor);

        // -1: section length not specified, since we stream and cannot seek back to fill it in.
        BinaryPrimitives.WriteInt64LittleEndian(body[PcapNgFields.ShbSectionLengthOffset..], -1);
        Sink.Write(block);
    }

    public override CaptureFormat Format => CaptureFormat.PcapNg;

    public override int AddInterface(LinkType linkType, int snapLength, string? name = null, bool nanosecond = true)
    {
        ThrowIfUnusable();
        ArgumentOutOfRangeException.ThrowIfNegative((int)linkType, nameof(linkType));
        ArgumentOutOfRangeException.ThrowIfGreaterThan((int)linkType, ushort.MaxValue, nameof(linkType));
        ArgumentOutOfRangeException.ThrowIfNegative(snapLength);

        byte[]? nameBytes = name is null ? null : Encoding.UTF8.GetBytes(name);
        if (nameBytes is not null)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(nameBytes.Length, ushort.MaxValue, nameof(name));
        }

        int optionsLength = 0;
        if (nameBytes is not null)
        {
            optionsLength += PcapNgFields.OptionHeaderLength + PcapNgFields.Pad4(nameBytes.Length);
        }

        if (nanosecond)
        {
            optionsLength += PcapNgFields.OptionHeaderLength + PcapNgFields.Pad4(1);
        }

        if (optionsLength > 0)
        {
            optionsLength += PcapNgFields.OptionHeaderLength; // opt_endofopt
        }

        int length = PcapNgFields.MinimumBlockLength + PcapNgFields.IdbFixedLength + optionsLength;

        // Not per frame, so a plain array is fine; zeroed, which also provides the padding.
        var block = new byte[length];
        Span<byte> span = block;
        WriteBlockFrame(span, PcapNgBlockType.InterfaceDescription);
        Span<byte> body = span[PcapNgFields.BlockHeaderLength..];
        BinaryPrimitives.WriteUInt16LittleEndian(body[PcapNgFields.IdbLinkTypeOffset..], (ushort)linkType);
        BinaryPrimitives.WriteInt32LittleEndian(body[PcapNgFields.IdbSnapLengthOffset..], snapLength);

        Span<byte> options = body[PcapNgFields.IdbFixedLength..];
        if (nameBytes is not null)
        {
            options = WriteOption(options, PcapNgFields.OptionIfName, nameBytes);
        }

        if (nanosecond)
        {
            // if_tsresol 9: 10^-9 s. Microsecond interfaces omit the option, 10^-6 being the pcapng default.
            options = WriteOption(options, PcapNgFields.OptionIfTsResol, [9]);
        }

        // opt_endofopt is the four zero bytes left in `options` (the array starts zeroed).
        Debug.Assert(options.Length == (optionsLength > 0 ? PcapNgFields.OptionHeaderLength : 0) + PcapNgFields.BlockTrailerLength);
        Sink.Write(block);
        _nanosecond.Add(nanosecond);
        return _nanosecond.Count - 1;
    }

    public override void WriteFrame(int interfaceId, long timestampNanoseconds, ReadOnlySpan<byte> data, int originalLength)
    {
        ThrowIfUnusable();
        if ((uint)interfaceId >= (uint)_nanosecond.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(interfaceId), interfaceId,
                $"Interface {interfaceId} was not added; {_nanosecond.Count} interface(s) exist.");
        }

        ValidateFrame(timestampNanoseconds, data, originalLength, MaxCapturedLength);
        ulong ticks = (ulong)(_nanosecond[interfaceId] ? timestampNanoseconds : timestampNanoseconds / 1_000);
        int paddedLength = PcapNgFields.Pad4(data.Length);
        int blockLength = EpbOverhead + paddedLength;

        if (Sink.TryGetSpan(blockLength, out Span<byte> block))
        {
            WriteEpbHeader(block, blockLength, interfaceId, ticks, data.Length, originalLength);
            Span<byte> payload = block.Slice(PcapNgFields.BlockHeaderLength + PcapNgFields.EpbFixedLength, paddedLength);
            data.CopyTo(payload);
            payload[data.Length..].Clear();
            BinaryPrimitives.WriteInt32LittleEndian(block[^PcapNgFields.BlockTrailerLength..], blockLength);
            Sink.Advance(blockLength);
        }
        else
        {
            Span<byte> header = stackalloc byte[PcapNgFields.BlockHeaderLength + PcapNgFields.EpbFixedLength];
            WriteEpbHeader(header, blockLength, interfaceId, ticks, data.Length, originalLength);
            Sink.Write(header);
            Sink.Write(data);
            Span<byte> trailer = stackalloc byte[3 + PcapNgFields.BlockTrailerLength];
            trailer.Clear();
            int padding = paddedLength - data.Length;
            BinaryPrimitives.WriteInt32LittleEndian(trailer[padding..], blockLength);
            Sink.Write(trailer[..(padding + PcapNgFields.BlockTrailerLength)]);
        }

        FramesWritten++;
    }

    private static void WriteEpbHeader(Span<byte> block, int blockLength, int interfaceId, ulong ticks, int capturedLength, int originalLength)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(block[PcapNgFields.BlockTypeOffset..], PcapNgBlockType.EnhancedPacket);
        BinaryPrimitives.WriteInt32LittleEndian(block[PcapNgFields.BlockLengthOffset..], blockLength);
        Span<byte> body = block[PcapNgFields.BlockHeaderLength..];
        BinaryPrimitives.WriteInt32LittleEndian(body[PcapNgFields.EpbInterfaceIdOffset..], interfaceId);
        BinaryPrimitives.WriteUInt32LittleEndian(body[PcapNgFields.EpbTimestampHighOffset..], (uint)(ticks >> 32));
        BinaryPrimitives.WriteUInt32LittleEndian(body[PcapNgFields.EpbTimestampLowOffset..], (uint)ticks);
        BinaryPrimitives.WriteInt32LittleEndian(body[PcapNgFields.EpbCapturedLengthOffset..], capturedLength);
        BinaryPrimitives.WriteInt32LittleEndian(body[PcapNgFields.EpbOriginalLengthOffset..], originalLength);
    }

    /// <summary>Writes type, both length fields; the body is the caller's.</summary>
    private static void WriteBlockFrame(Span<byte> block, uint type)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(block[PcapNgFields.BlockTypeOffset..], type);
        BinaryPrimitives.WriteInt32LittleEndian(block[PcapNgFields.BlockLengthOffset..], block.Length);
        BinaryPrimitives.WriteInt32LittleEndian(block[^PcapNgFields.BlockTrailerLength..], block.Length);
    }

    /// <summary>Writes one option into zeroed <paramref name="destination"/> and returns the space after it (value padded to 4).</summary>
    private static Span<byte> WriteOption(Span<byte> destination, ushort code, ReadOnlySpan<byte> value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(destination[PcapNgFields.OptionCodeOffset..], code);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[PcapNgFields.OptionLengthOffset..], (ushort)value.Length);
        value.CopyTo(destination[PcapNgFields.OptionHeaderLength..]);
        return destination[(PcapNgFields.OptionHeaderLength + PcapNgFields.Pad4(value.Length))..];
    }
}
