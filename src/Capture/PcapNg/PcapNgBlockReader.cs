using System;
using System.Buffers;
using System.Buffers.Binary;
using Reassembly.Capture.Internal;

namespace Reassembly.Capture.PcapNg;

/// <summary>
/// Splits a buffer into pcapng blocks, synchronously, checking every length the generic block structure defines.
/// <see cref="TryReadBlock"/> returns false when the buffer does not hold the whole next block and then consumes nothing;
/// it throws <see cref="CaptureFormatException"/> with the block's absolute offset as soon as the bytes present prove a
/// length wrong, before waiting for the rest of the block (a lying length must not make us buffer it).
/// </summary>
/// <remarks>
/// The reader tracks byte order itself because a section header block changes it and the next block's length cannot be
/// decoded without it; what blocks mean (interfaces, packets) is the caller's business.
/// </remarks>
internal ref struct PcapNgBlockReader
{
    private readonly Span<byte> _headerScratch;
    private readonly int _maxBlockLength;
    private ReadOnlySequence<byte> _remaining;
    private PcapNgReaderState _state;

    /// <param name="buffer">Input starting at <see cref="PcapNgReaderState.Position"/> of <paramref name="state"/>.</param>
    /// <param name="state">The state a previous reader returned, or default at the start of the file.</param>
    /// <param name="headerScratch">At least <see cref="PcapNgFields.ShbFixedLength"/> bytes, used when a header straddles segments.</param>
    /// <param name="maxBlockLength">The largest block accepted.</param>
    public PcapNgBlockReader(ReadOnlySequence<byte> buffer, PcapNgReaderState state, Span<byte> headerScratch, int maxBlockLength)
    {
        _remaining = buffer;
        _state = state;
        _headerScratch = headerScratch;
        _maxBlockLength = maxBlockLength;
        PendingBlockLength = 0;
    }

    /// <summary>The state to carry to the next reader.</summary>
    public readonly PcapNgReaderState CurrentState => _state;

    /// <summary>The first unconsumed position in the buffer.</summary>
    public readonly SequencePosition Position => _remaining.Start;

    /// <summary>The unconsumed rest of the buffer.</summary>
    public readonly ReadOnlySequence<byte> Remaining => _remaining;

    /// <summary>
    /// After <see cref="TryReadBlock"/> returned false: the full length of the incomplete block when its header was present,
    /// or 0 when even the header was incomplete.
    /// </summary>
    public int PendingBlockLength { get; private set; }

    /// <summary>
    /// Reads the next block. Returns false, consuming nothing, when the buffer does not hold all of it. Throws
    /// <see cref="CaptureFormatException"/> for a length that is too small, not a multiple of 4, larger than the limit, or
    /// different from the trailing copy, and for a section header with a bad byte-order magic or an unknown major version.
    /// </summary>
    public bool TryReadBlock(out PcapNgBlock block)
    {
        PendingBlockLength = 0;
        block = default;

        // 12 bytes is the smallest legal block, and enough to see a section header's byte-order magic.
        if (!SequenceHelpers.TryPeek(_remaining, PcapNgFields.BlockPeekLength, _headerScratch, out ReadOnlySpan<byte> header))
        {
            return false;
        }

        // The section header's type is a byte palindrome, so this read recognizes it in either order; every other
        // type must be re-read in the current section's order.
        uint type = BinaryPrimitives.ReadUInt32LittleEndian(header);
        bool bigEndian = _state.BigEndian;
        if (type != PcapNgBlockType.SectionHeader)
        {
            type = Endian.ReadUInt32(header, bigEndian);
        }

        int minimumLength = PcapNgFields.MinimumBlockLength;
        if (type == PcapNgBlockType.SectionHeader)
        {
            uint magic = BinaryPrimitives.ReadUInt32LittleEndian(header[PcapNgFields.ShbByteOrderMagicAbsoluteOffset..]);
            if (magic == PcapNgFields.ByteOrderMagic)
            {
                bigEndian = false;
            }
            else if (BinaryPrimitives.ReverseEndianness(magic) == PcapNgFields.ByteOrderMagic)
            {
                bigEndian = true;
            }
            else
            {
                throw new CaptureFormatException(CaptureFormatError.UnknownMagic, _state.Position,
                    $"pcapng section header has byte-order magic 0x{magic:x8}, expected 0x1a2b3c4d in either byte order");
            }

            minimumLength = PcapNgFields.MinimumBlockLength + PcapNgFields.ShbFixedLength;
        }
        else if (!_state.InSection)
        {
            throw new CaptureFormatException(CaptureFormatError.UnknownMagic, _state.Position,
                $"pcapng input starts with block type 0x{type:x8} instead of a section header block");
        }

        uint length = Endian.ReadUInt32(header[PcapNgFields.BlockLengthOffset..], bigEndian);
        if (length < (uint)minimumLength || (length & 3) != 0)
        {
            throw new CaptureFormatException(CaptureFormatError.InvalidLength, _state.Position,
                $"pcapng block of type 0x{type:x8} has total length {length}; it must be a multiple of 4 and at least {minimumLength}");
        }

        if (length > (uint)_maxBlockLength)
        {
            throw new CaptureFormatException(CaptureFormatError.RecordTooLarge, _state.Position,
                $"pcapng block of type 0x{type:x8} has total length {length}, more than the {_maxBlockLength}-byte record limit");
        }

        int blockLength = (int)length;
        if (_remaining.Length < blockLength)
        {
            PendingBlockLength = blockLength;
            return false;
        }

        Span<byte> trailerScratch = stackalloc byte[PcapNgFields.BlockTrailerLength];
        ReadOnlySequence<byte> trailerBytes = _remaining.Slice(blockLength - PcapNgFields.BlockTrailerLength, PcapNgFields.BlockTrailerLength);
        SequenceHelpers.TryPeek(trailerBytes, PcapNgFields.BlockTrailerLength, trailerScratch, out ReadOnlySpan<byte> trailer);
        uint trailingLength = Endian.ReadUInt32(trailer, bigEndian);
        if (trailingLength != length)
        {
            throw new CaptureFormatException(CaptureFormatError.LengthMismatch, _state.Position,
                $"pcapng block of type 0x{type:x8} starts with total length {length} but ends with {trailingLength}");
        }

        ReadOnlySequence<byte> body = _remaining.Slice(PcapNgFields.BlockHeaderLength, blockLength - PcapNgFields.MinimumBlockLength);
        if (type == PcapNgBlockType.SectionHeader)
        {
            SequenceHelpers.TryPeek(body, PcapNgFields.ShbFixedLength, _headerScratch, out ReadOnlySpan<byte> shb);
            ushort major = Endian.ReadUInt16(shb[PcapNgFields.ShbVersionMajorOffset..], bigEndian);
            if (major != PcapNgFields.VersionMajor)
            {
                throw new CaptureFormatException(CaptureFormatError.UnsupportedVersion, _state.Position,
                    $"Unsupported pcapng version {major}.x (only 1.x is defined)");
            }

            _state.InSection = true;
            _state.BigEndian = bigEndian;
        }

        block = new PcapNgBlock(type, body, bigEndian, _state.Position);
        _remaining = _remaining.Slice(blockLength);
        _state.Position += blockLength;
        return true;
    }
}
