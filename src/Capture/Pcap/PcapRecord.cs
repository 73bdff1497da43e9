using System.Buffers;

namespace Reassembly.Capture.Pcap;

/// <summary>One pcap record as <see cref="PcapRecordReader"/> returns it: valid only while the sequence it slices is.</summary>
internal readonly ref struct PcapRecord
{
    public PcapRecord(ReadOnlySequence<byte> data, int originalLength, long timestampNanoseconds, long offset)
    {
        Data = data;
        OriginalLength = originalLength;
        TimestampNanoseconds = timestampNanoseconds;
        Offset = offset;
    }

    /// <summary>The captured bytes.</summary>
    public ReadOnlySequence<byte> Data { get; }

    /// <summary>The frame's length on the wire.</summary>
    public int OriginalLength { get; }

    /// <summary>Nanoseconds since the Unix epoch.</summary>
    public long TimestampNanoseconds { get; }

    /// <summary>The absolute offset of the record header.</summary>
    public long Offset { get; }
}
