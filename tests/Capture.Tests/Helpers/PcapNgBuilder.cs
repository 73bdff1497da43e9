using System;
using System.Collections.Generic;
using System.Text;

namespace Reassembly.Capture.Tests.Helpers;

/// <summary>
/// Builds pcapng bytes block by block. Each section header sets the byte order of the blocks after it, so a file can
/// switch order mid-way. <see cref="RawBlock"/> allows lying lengths.
/// </summary>
internal sealed class PcapNgBuilder
{
    private readonly ByteSink _sink = new();
    private bool _bigEndian;

    /// <summary>The absolute offset of each block, in the order added.</summary>
    public List<int> BlockOffsets { get; } = [];

    public PcapNgBuilder SectionHeader(bool bigEndian = false, ushort versionMajor = 1)
    {
        _bigEndian = bigEndian;
        var body = new ByteSink();
        body.U32(0x1A2B3C4D, bigEndian);
        body.U16(versionMajor, bigEndian);
        body.U16(0, bigEndian);
        body.I64(-1, bigEndian);
        return Block(0x0A0D0D0A, body.ToArray());
    }

    public PcapNgBuilder Interface(ushort linkType, uint snapLength = 0, string? name = null, byte? tsResol = null, long? tsOffset = null)
    {
        var body = new ByteSink();
        body.U16(linkType, _bigEndian);
        body.U16(0, _bigEndian);
        body.U32(snapLength, _bigEndian);
        bool anyOption = false;
        if (name is not null)
        {
            byte[] value = Encoding.UTF8.GetBytes(name);
            body.U16(2, _bigEndian);
            body.U16((ushort)value.Length, _bigEndian);
            body.Bytes(value);
            body.PadTo4();
            anyOption = true;
        }

        if (tsResol is byte resol)
        {
            body.U16(9, _bigEndian);
            body.U16(1, _bigEndian);
            body.U8(resol);
            body.PadTo4();
            anyOption = true;
        }

        if (tsOffset is long offset)
        {
            body.U16(14, _bigEndian);
            body.U16(8, _bigEndian);
            body.I64(offset, _bigEndian);
            anyOption = true;
        }

        if (anyOption)
        {
            body.U32(0, _bigEndian);
        }

        return Block(1, body.ToArray());
    }

    public PcapNgBuilder EnhancedPacket(uint interfaceId, ulong timestamp, byte[] data, uint? originalLength = null, uint? capturedLengthField = null)
    {
        var body = new ByteSink();
        body.U32(interfaceId, _bigEndian);
        body.U32((uint)(timestamp >> 32), _bigEndian);
        body.U32((uint)timestamp, _bigEndian);
        body.U32(capturedLengthField ?? (uint)data.Length, _bigEndian);
        body.U32(originalLength ?? (uint)data.Length, _bigEndian);
        body.Bytes(data);
        body.PadTo4();
        return Block(6, body.ToArray());
    }

    public PcapNgBuilder SimplePacket(byte[] data, uint? originalLength = null)
    {
        var body = new ByteSink();
        body.U32(originalLength ?? (uint)data.Length, _bigEndian);
        body.Bytes(data);
        body.PadTo4();
        return Block(3, body.ToArray());
    }

    public PcapNgBuilder ObsoletePacket(ushort interfaceId, ulong timestamp, byte[] data)
    {
        var body = new ByteSink();
        body.U16(interfaceId, _bigEndian);
        body.U16(0, _bigEndian);
        body.U32((uint)(timestamp >> 32), _bigEndian);
        body.U32((uint)timestamp, _bigEndian);
        body.U32((uint)data.Length, _bigEndian);
        body.U32((uint)data.Length, _bigEndian);
        body.Bytes(data);
        body.PadTo4();
        return Block(2, body.ToArray());
    }

    public PcapNgBuilder Block(uint type, byte[] body) => RawBlock(type, body, null, null);

    /// <summary>Adds a block whose leading and trailing length fields may lie.</summary>
    public PcapNgBuilder RawBlock(uint type, byte[] body, uint? lengthField, uint? trailerField)
    {
        if (body.Length % 4 != 0)
        {
            throw new ArgumentException("Block bodies are padded to 4 bytes.", nameof(body));
        }

        uint length = (uint)(12 + body.Length);
        BlockOffsets.Add(_sink.Length);
        _sink.U32(type, _bigEndian);
        _sink.U32(lengthField ?? length, _bigEndian);
        _sink.Bytes(body);
        _sink.U32(trailerField ?? lengthField ?? length, _bigEndian);
        return this;
    }

    public byte[] ToArray() => _sink.ToArray();
}
