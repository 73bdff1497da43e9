using System;
using System.Buffers.Binary;
using Reassembly.Capture.Pcap;

namespace Reassembly.Capture.Writers;

/// <summary>
/// Writes classic pcap, little-endian. pcap has one link type and one timestamp resolution per file, so a second
/// interface is accepted only when it is identical to the first.
/// </summary>
internal sealed class PcapFileWriter : CaptureFileWriter
{
    private bool _hasInterface;
    private LinkType _linkType;
    private bool _nanosecond;

    public PcapFileWriter(BufferedFileSink sink)
        : base(sink)
    {
    }

    public override CaptureFormat Format => CaptureFormat.Pcap;

    public override int AddInterface(LinkType linkType, int snapLength, string? name = null, bool nanosecond = true)
    {
        ThrowIfUnusable();
        ArgumentOutOfRangeException.ThrowIfNegative((int)linkType, nameof(linkType));
        ArgumentOutOfRangeException.ThrowIfGreaterThan((int)linkType, (int)PcapFields.LinkTypeMask, nameof(linkType));
        ArgumentOutOfRangeException.ThrowIfNegative(snapLength);
        if (_hasInterface)
        {
            if (linkType != _linkType)
            {
                throw new InvalidOperationException(
                    $"A pcap file holds a single link type and this one already uses {_linkType} ({(int)_linkType}); " +
                    $"cannot add {linkType} ({(int)linkType}). Write pcapng (CaptureFormat.PcapNg) to mix link types.");
            }

            if (nanosecond != _nanosecond)
            {
                throw new InvalidOperationException(
                    $"A pcap file has a single timestamp resolution and this one already uses {(_nanosecond ? "nanoseconds" : "microseconds")}. " +
                    "Write pcapng (CaptureFormat.PcapNg) to mix resolutions.");
            }

            return 0;
        }

        Span<byte> header = stackalloc byte[PcapFields.FileHeaderLength];
        BinaryPrimitives.WriteUInt32LittleEndian(header[PcapFields.MagicOffset..], nanosecond ? PcapFields.NanosecondMagic : PcapFields.MicrosecondMagic);
        BinaryPrimitives.WriteUInt16LittleEndian(header[PcapFields.VersionMajorOffset..], PcapFields.VersionMajor);
        BinaryPrimitives.WriteUInt16LittleEndian(header[PcapFields.VersionMinorOffset..], PcapFields.VersionMinor);
        BinaryPrimitives.WriteInt32LittleEndian(header[PcapFields.ThisZoneOffset..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(header[PcapFields.SigFigsOffset..], 0);

        // Always the maximum: frames come from many sources, and readers reject records longer than the declared snap length.
        BinaryPrimitives.WriteInt32LittleEndian(header[PcapFields.SnapLengthOffset..], PcapFields.MaximumSnapLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header[PcapFields.LinkTypeOffset..], (uint)linkType);
        Sink.Write(header);

        _hasInterface = true;
        _linkType = linkType;
        _nanosecond = nanosecond;
        return 0;
    }

    public override void WriteFrame(int interfaceId, long timestampNanoseconds, ReadOnlySpan<byte> data, int originalLength)
    {
        ThrowIfUnusable();
        if (interfaceId != 0 || !_hasInterface)
        {
            throw new ArgumentOutOfRangeException(nameof(interfaceId), interfaceId,
                _hasInterface ? "A pcap file has only interface 0." : "Call AddInterface before writing frames.");
        }

        ValidateFrame(timestampNanoseconds, data, originalLength, PcapFields.MaximumSnapLength);
        long seconds = Math.DivRem(timestampNanoseconds, 1_000_000_000L, out long nanoseconds);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(seconds, uint.MaxValue, nameof(timestampNanoseconds));
        uint fraction = (uint)(_nanosecond ? nanoseconds : nanoseconds / 1_000);

        int recordLength = PcapFields.RecordHeaderLength + data.Length;
        if (Sink.TryGetSpan(recordLength, out Span<byte> record))
        {
            WriteRecordHeader(record, (uint)seconds, fraction, data.Length, originalLength);
            data.CopyTo(record[PcapFields.RecordHeaderLength..]);
            Sink.Advance(recordLength);
        }
        else
        {
            Span<byte> header = stackalloc byte[PcapFields.RecordHeaderLength];
            WriteRecordHeader(header, (uint)seconds, fraction, data.Length, originalLength);
            Sink.Write(header);
            Sink.Write(data);
        }

        FramesWritten++;
    }

    private static void WriteRecordHeader(Span<byte> header, uint seconds, uint fraction, int capturedLength, int originalLength)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(header[PcapFields.TimestampSecondsOffset..], seconds);
        BinaryPrimitives.WriteUInt32LittleEndian(header[PcapFields.TimestampFractionOffset..], fraction);
        BinaryPrimitives.WriteInt32LittleEndian(header[PcapFields.CapturedLengthOffset..], capturedLength);
        BinaryPrimitives.WriteInt32LittleEndian(header[PcapFields.OriginalLengthOffset..], originalLength);
    }
}
