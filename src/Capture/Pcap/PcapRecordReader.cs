using System;
using System.Buffers;
using System.Buffers.Binary;
using Reassembly.Capture.Internal;

namespace Reassembly.Capture.Pcap;

/// <summary>
/// Parses classic pcap out of one buffer, synchronously: the file header once, then records. On the Utf8JsonReader model,
/// every Try* method returns false when the buffer does not yet hold the whole item and then consumes nothing, and throws
/// <see cref="CaptureFormatException"/> (with the item's absolute offset) as soon as the bytes present prove the input bad.
/// </summary>
/// <remarks>
/// The reader's position lives in <see cref="CurrentState"/>, which the caller stores across awaits and passes back in
/// together with the next buffer, which must start at <see cref="Position"/>.
/// </remarks>
internal ref struct PcapRecordReader
{
    private readonly Span<byte> _headerScratch;
    private readonly int _maxRecordLength;
    private ReadOnlySequence<byte> _remaining;
    private PcapReaderState _state;

    /// <param name="buffer">Input starting at <see cref="PcapReaderState.Position"/> of <paramref name="state"/>.</param>
    /// <param name="state">The state a previous reader returned, or default at the start of the file.</param>
    /// <param name="headerScratch">At least <see cref="PcapFields.FileHeaderLength"/> bytes, used when a header straddles segments.</param>
    /// <param name="maxRecordLength">The largest record (header plus data) accepted.</param>
    public PcapRecordReader(ReadOnlySequence<byte> buffer, PcapReaderState state, Span<byte> headerScratch, int maxRecordLength)
    {
        _remaining = buffer;
        _state = state;
        _headerScratch = headerScratch;
        _maxRecordLength = maxRecordLength;
        PendingRecordLength = 0;
    }

    /// <summary>The state to carry to the next reader.</summary>
    public readonly PcapReaderState CurrentState => _state;

    /// <summary>The first unconsumed position in the buffer.</summary>
    public readonly SequencePosition Position => _remaining.Start;

    /// <summary>The unconsumed rest of the buffer.</summary>
    public readonly ReadOnlySequence<byte> Remaining => _remaining;

    /// <summary>
    /// After <see cref="TryReadRecord"/> returned false: the full length of the record that is incomplete, when its header
    /// was present (so the caller can assemble it elsewhere), or 0 when even the header was incomplete.
    /// </summary>
    public int PendingRecordLength { get; private set; }

    /// <summary>
    /// Reads the file header. Returns false if fewer than 24 bytes are available. Throws <see cref="CaptureFormatException"/>
    /// for an unknown magic number or an unsupported major version.
    /// </summary>
    public bool TryReadFileHeader()
    {
        if (!SequenceHelpers.TryPeek(_remaining, PcapFields.FileHeaderLength, _headerScratch, out ReadOnlySpan<byte> header))
        {
            return false;
        }

        // The magic is written in the writer's native order, so reading it little-endian tells us the file's order too.
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(header);
        bool bigEndian;
        bool nanosecond;
        if (magic == PcapFields.MicrosecondMagic || magic == PcapFields.NanosecondMagic)
        {
            bigEndian = false;
            nanosecond = magic == PcapFields.NanosecondMagic;
        }
        else
        {
            uint swapped = BinaryPrimitives.ReverseEndianness(magic);
            if (swapped != PcapFields.MicrosecondMagic && swapped != PcapFields.NanosecondMagic)
            {
                throw new CaptureFormatException(CaptureFormatError.UnknownMagic, _state.Position,
                    $"Unknown pcap magic number 0x{magic:x8}");
            }

            bigEndian = true;
            nanosecond = swapped == PcapFields.NanosecondMagic;
        }

        ushort major = Endian.ReadUInt16(header[PcapFields.VersionMajorOffset..], bigEndian);
        if (major != PcapFields.VersionMajor)
        {
            throw new CaptureFormatException(CaptureFormatError.UnsupportedVersion, _state.Position,
                $"Unsupported pcap version {major}.x (only 2.x is defined)");
        }

        uint snapLength = Endian.ReadUInt32(header[PcapFields.SnapLengthOffset..], bigEndian);
        uint linkTypeField = Endian.ReadUInt32(header[PcapFields.LinkTypeOffset..], bigEndian);

        _state.HeaderRead = true;
        _state.BigEndian = bigEndian;
        _state.Nanosecond = nanosecond;
        _state.SnapLength = (int)Math.Min(snapLength, int.MaxValue);
        _state.LinkType = (LinkType)(int)(linkTypeField & PcapFields.LinkTypeMask);
        _state.Position += PcapFields.FileHeaderLength;
        _remaining = _remaining.Slice(PcapFields.FileHeaderLength);
        return true;
    }

    /// <summary>
    /// Reads the next record. Returns false, consuming nothing, when the buffer does not hold all of it (see
    /// <see cref="PendingRecordLength"/>). Throws <see cref="CaptureFormatException"/> when the header's lengths are impossible.
    /// </summary>
    public bool TryReadRecord(out PcapRecord record)
    {
        PendingRecordLength = 0;
        if (!SequenceHelpers.TryPeek(_remaining, PcapFields.RecordHeaderLength, _headerScratch, out ReadOnlySpan<byte> header))
        {
            record = default;
            return false;
        }

        bool bigEndian = _state.BigEndian;
        uint capturedLength = Endian.ReadUInt32(header[PcapFields.CapturedLengthOffset..], bigEndian);
        uint originalLength = Endian.ReadUInt32(header[PcapFields.OriginalLengthOffset..], bigEndian);

        // Check the length before waiting for the data: a corrupt length must fail here, not make us buffer gigabytes.
        if (capturedLength > (uint)(_maxRecordLength - PcapFields.RecordHeaderLength))
        {
            throw new CaptureFormatException(CaptureFormatError.RecordTooLarge, _state.Position,
                $"pcap record claims {capturedLength} captured bytes, more than the {_maxRecordLength}-byte record limit");
        }

        if (originalLength > int.MaxValue)
        {
            throw new CaptureFormatException(CaptureFormatError.InvalidLength, _state.Position,
                $"pcap record claims an original length of {originalLength} bytes");
        }

        int recordLength = PcapFields.RecordHeaderLength + (int)capturedLength;
        if (_remaining.Length < recordLength)
        {
            PendingRecordLength = recordLength;
            record = default;
            return false;
        }

        // Seconds are unsigned (32-bit time_t ends in 2038, the file format does not), so the product stays below 2^63.
        uint seconds = Endian.ReadUInt32(header[PcapFields.TimestampSecondsOffset..], bigEndian);
        uint fraction = Endian.ReadUInt32(header[PcapFields.TimestampFractionOffset..], bigEndian);
        long timestamp = (seconds * 1_000_000_000L) + (_state.Nanosecond ? fraction : fraction * 1_000L);

        record = new PcapRecord(_remaining.Slice(PcapFields.RecordHeaderLength, capturedLength), (int)originalLength, timestamp, _state.Position);
        _remaining = _remaining.Slice(recordLength);
        _state.Position += recordLength;
        return true;
    }
}
