using System;
using System.Buffers.Binary;
using System.Collections.Generic;

namespace Reassembly.Capture.Tests.Helpers;

/// <summary>A growable byte buffer with endian-aware writes, for building capture files by hand.</summary>
internal sealed class ByteSink
{
    private readonly List<byte> _bytes = [];

    public int Length => _bytes.Count;

    public void U8(byte value) => _bytes.Add(value);

    public void U16(ushort value, bool bigEndian)
    {
        Span<byte> b = stackalloc byte[2];
        if (bigEndian) BinaryPrimitives.WriteUInt16BigEndian(b, value); else BinaryPrimitives.WriteUInt16LittleEndian(b, value);
        Bytes(b);
    }

    public void U32(uint value, bool bigEndian)
    {
        Span<byte> b = stackalloc byte[4];
        if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(b, value); else BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        Bytes(b);
    }

    public void I64(long value, bool bigEndian)
    {
        Span<byte> b = stackalloc byte[8];
        if (bigEndian) BinaryPrimitives.WriteInt64BigEndian(b, value); else BinaryPrimitives.WriteInt64LittleEndian(b, value);
        Bytes(b);
    }

    public void Bytes(ReadOnlySpan<byte> value)
    {
        foreach (byte b in value)
        {
            _bytes.Add(b);
        }
    }

    public void PadTo4()
    {
        while (_bytes.Count % 4 != 0)
        {
            _bytes.Add(0);
        }
    }

    public byte[] ToArray() => [.. _bytes];
}
