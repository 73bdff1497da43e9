using System;
using System.Buffers;
using Reassembly.Capture.Pcap;

namespace Reassembly.Capture;

/// <summary>Classic pcap: the file header becomes interface 0, each record becomes a frame.</summary>
public sealed partial class CaptureFileReader
{
    private ReadOnlySequence<byte> ProcessPcap(ReadOnlySequence<byte> buffer, ICaptureFrameHandler handler, out int pendingLength)
    {
        Span<byte> headerScratch = stackalloc byte[HeaderScratchLength];
        var reader = new PcapRecordReader(buffer, _pcapState, headerScratch, _maxRecordLength);
        pendingLength = 0;
        if (!_pcapState.HeaderRead)
        {
            if (!reader.TryReadFileHeader())
            {
                return buffer;
            }

            _pcapState = reader.CurrentState;
            CaptureTimestampResolution resolution = _pcapState.Nanosecond
                ? CaptureTimestampResolution.Nanoseconds
                : CaptureTimestampResolution.Microseconds;
            _interfaces.Add(new CaptureInterface(0, _pcapState.LinkType, _pcapState.SnapLength, name: null, resolution, timestampOffsetSeconds: 0));
        }

        LinkType linkType = _pcapState.LinkType;
        while (reader.TryReadRecord(out PcapRecord record))
        {
            // Commit before the handler runs, so the state is consistent whatever the handler does.
            _pcapState = reader.CurrentState;
            Deliver(handler, Contiguous(record.Data), record.OriginalLength, record.TimestampNanoseconds, interfaceId: 0, linkType);
        }

        pendingLength = reader.PendingRecordLength;
        return reader.Remaining;
    }
}
