using System.Collections.Generic;

namespace Reassembly.Capture.Tests.Helpers;

/// <summary>Builds classic pcap bytes in either byte order, with optional lies in the length fields.</summary>
internal sealed class PcapBuilder
{
    private readonly ByteSink _sink = new();
    private readonly bool _bigEndian;

    public PcapBuilder(bool bigEndian = false, bool nanosecond = false, uint linkTypeField = 1, uint snapLength = 65535, ushort versionMajor = 2)
    {
        _bigEndian = bigEndian;
        _sink.U32(nanosecond ? 0xA1B23C4Du : 0xA1B2C3D4u, bigEndian);
        _sink.U16(versionMajor, bigEndian);
        _sink.U16(4, bigEndian);
        _sink.U32(0, bigEndian);
        _sink.U32(0, bigEndian);
        _sink.U32(snapLength, bigEndian);
        _sink.U32(linkTypeField, bigEndian);
    }

    public const int FileHeaderLength = 24;

    /// <summary>The absolute offset of each record header.</summary>
    public List<int> RecordOffsets { get; } = [];

    public PcapBuilder Record(uint seconds, uint fraction, byte[] data, uint? originalLength = null, uint? capturedLengthField = null)
    {
        RecordOffsets.Add(_sink.Length);
        _sink.U32(seconds, _bigEndian);
        _sink.U32(fraction, _bigEndian);
        _sink.U32(capturedLengthField ?? (uint)data.Length, _bigEndian);
        _sink.U32(originalLength ?? (uint)data.Length, _bigEndian);
        _sink.Bytes(data);
        return this;
    }

    public byte[] ToArray() => _sink.ToArray();
}
