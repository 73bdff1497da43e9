using System;
using System.Buffers;
using Reassembly.Capture.Internal;
using Reassembly.Capture.PcapNg;

namespace Reassembly.Capture;

/// <summary>
/// pcapng: section headers start a new interface numbering, interface blocks extend the capture's interface list,
/// packet blocks become frames.
/// </summary>
/// <remarks>
/// Interface ids in a packet block are local to its section (pcapng §4.1), but a frame's
/// <see cref="CaptureFrame.InterfaceId"/> is capture-wide: interfaces are numbered in file order across every section,
/// so interface 0 of a second section is a new interface (a new output interface, a new namespace), never a reuse of
/// the first section's interface 0.
/// </remarks>
public sealed partial class CaptureFileReader
{
    // Index in _interfaces of the current section's interface 0.
    private int _sectionFirstInterface;

    private ReadOnlySequence<byte> ProcessPcapNg(ReadOnlySequence<byte> buffer, ICaptureFrameHandler handler, out int pendingLength)
    {
        Span<byte> headerScratch = stackalloc byte[HeaderScratchLength];
        var reader = new PcapNgBlockReader(buffer, _pcapNgState, headerScratch, _maxRecordLength);
        while (reader.TryReadBlock(out PcapNgBlock block))
        {
            _pcapNgState = reader.CurrentState;
            switch (block.Type)
            {
                case PcapNgBlockType.SectionHeader:
                    // Interface ids are per section (pcapng §4.1): a new section numbers its interfaces from 0 again.
                    _sectionFirstInterface = _interfaces.Count;
                    break;
                case PcapNgBlockType.InterfaceDescription:
                    _interfaces.Add(PcapNgInterfaceParser.Parse(Contiguous(block.Body), block.BigEndian, _interfaces.Count, block.Offset));
                    break;
                case PcapNgBlockType.EnhancedPacket:
                    OnEnhancedPacket(block, handler);
                    break;
                case PcapNgBlockType.SimplePacket:
                    OnSimplePacket(block, handler);
                    break;
                case PcapNgBlockType.Packet:
                    OnObsoletePacket(block, handler);
                    break;
                default:
                    // Name resolution, interface statistics, decryption secrets, custom blocks...: nothing a frame needs.
                    break;
            }
        }

        pendingLength = reader.PendingBlockLength;
        return reader.Remaining;
    }

    private void OnEnhancedPacket(in PcapNgBlock block, ICaptureFrameHandler handler)
    {
        ReadOnlySpan<byte> body = Contiguous(block.Body);
        RequireLength(body, PcapNgFields.EpbFixedLength, block.Offset, "enhanced packet");
        bool bigEndian = block.BigEndian;
        uint interfaceId = Endian.ReadUInt32(body[PcapNgFields.EpbInterfaceIdOffset..], bigEndian);
        ulong ticks = ((ulong)Endian.ReadUInt32(body[PcapNgFields.EpbTimestampHighOffset..], bigEndian) << 32)
                      | Endian.ReadUInt32(body[PcapNgFields.EpbTimestampLowOffset..], bigEndian);
        uint capturedLength = Endian.ReadUInt32(body[PcapNgFields.EpbCapturedLengthOffset..], bigEndian);
        uint originalLength = Endian.ReadUInt32(body[PcapNgFields.EpbOriginalLengthOffset..], bigEndian);
        DeliverPacket(handler, body[PcapNgFields.EpbFixedLength..], interfaceId, ticks, capturedLength, originalLength, block.Offset);
    }

    private void OnObsoletePacket(in PcapNgBlock block, ICaptureFrameHandler handler)
    {
        ReadOnlySpan<byte> body = Contiguous(block.Body);
        RequireLength(body, PcapNgFields.PbFixedLength, block.Offset, "packet");
        bool bigEndian = block.BigEndian;
        uint interfaceId = Endian.ReadUInt16(body[PcapNgFields.PbInterfaceIdOffset..], bigEndian);
        ulong ticks = ((ulong)Endian.ReadUInt32(body[PcapNgFields.PbTimestampHighOffset..], bigEndian) << 32)
                      | Endian.ReadUInt32(body[PcapNgFields.PbTimestampLowOffset..], bigEndian);
        uint capturedLength = Endian.ReadUInt32(body[PcapNgFields.PbCapturedLengthOffset..], bigEndian);
        uint originalLength = Endian.ReadUInt32(body[PcapNgFields.PbOriginalLengthOffset..], bigEndian);
        DeliverPacket(handler, body[PcapNgFields.PbFixedLength..], interfaceId, ticks, capturedLength, originalLength, block.Offset);
    }

    private void OnSimplePacket(in PcapNgBlock block, ICaptureFrameHandler handler)
    {
        ReadOnlySpan<byte> body = Contiguous(block.Body);
        RequireLength(body, PcapNgFields.SpbFixedLength, block.Offset, "simple packet");
        CaptureInterface owner = GetInterface(0, block.Offset);
        uint originalLength = Endian.ReadUInt32(body[PcapNgFields.SpbOriginalLengthOffset..], block.BigEndian);
        ThrowIfOriginalLengthTooLarge(originalLength, block.Offset);

        // The SPB has no captured-length field: it is min(original length, interface 0's snap length), and never more than
        // the block holds (pcapng §4.4). It has no timestamp either, so the frame gets 0.
        ReadOnlySpan<byte> data = body[PcapNgFields.SpbFixedLength..];
        long capturedLength = Math.Min(originalLength, data.Length);
        if (owner.SnapLength > 0)
        {
            capturedLength = Math.Min(capturedLength, owner.SnapLength);
        }

        Deliver(handler, data[..(int)capturedLength], (int)originalLength, timestampNanoseconds: 0, owner.Id, owner.LinkType);
    }

    private void DeliverPacket(ICaptureFrameHandler handler, ReadOnlySpan<byte> dataAndOptions, uint interfaceId, ulong ticks, uint capturedLength, uint originalLength, long blockOffset)
    {
        CaptureInterface owner = GetInterface(interfaceId, blockOffset);
        if (capturedLength > (uint)dataAndOptions.Length)
        {
            throw new CaptureFormatException(CaptureFormatError.InvalidLength, blockOffset,
                $"pcapng packet block claims {capturedLength} captured bytes but the block holds only {dataAndOptions.Length}");
        }

        ThrowIfOriginalLengthTooLarge(originalLength, blockOffset);
        if (!owner.TimestampResolution.TryToNanoseconds(ticks, owner.TimestampOffsetSeconds, out long timestamp))
        {
            throw new CaptureFormatException(CaptureFormatError.TimestampOutOfRange, blockOffset,
                $"pcapng packet timestamp {ticks} in units of {owner.TimestampResolution} (offset {owner.TimestampOffsetSeconds} s) does not fit 64-bit nanoseconds since 1970");
        }

        Deliver(handler, dataAndOptions[..(int)capturedLength], (int)originalLength, timestamp, owner.Id, owner.LinkType);
    }

    private CaptureInterface GetInterface(uint interfaceId, long blockOffset)
    {
        int declared = _interfaces.Count - _sectionFirstInterface;
        if (interfaceId >= (uint)declared)
        {
            throw new CaptureFormatException(CaptureFormatError.UnknownInterface, blockOffset,
                $"pcapng packet block references interface {interfaceId}, but the section has declared {declared} interface(s)");
        }

        return _interfaces[_sectionFirstInterface + (int)interfaceId];
    }

    private static void RequireLength(ReadOnlySpan<byte> body, int fixedLength, long blockOffset, string blockName)
    {
        if (body.Length < fixedLength)
        {
            throw new CaptureFormatException(CaptureFormatError.InvalidLength, blockOffset,
                $"pcapng {blockName} block body is {body.Length} bytes, less than its {fixedLength} fixed bytes");
        }
    }

    private static void ThrowIfOriginalLengthTooLarge(uint originalLength, long blockOffset)
    {
        if (originalLength > int.MaxValue)
        {
            throw new CaptureFormatException(CaptureFormatError.InvalidLength, blockOffset,
                $"pcapng packet block claims an original length of {originalLength} bytes");
        }
    }
}
