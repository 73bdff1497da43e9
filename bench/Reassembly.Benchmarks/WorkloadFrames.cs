using System.Buffers.Binary;

namespace Reassembly.Benchmarks;

/// <summary>Ethernet frames of fragmented UDP datagrams, built in memory (TEST-NET addresses).</summary>
internal static class WorkloadFrames
{
    /// <summary>
    /// <paramref name="datagrams"/> IPv4 datagrams of <paramref name="payload"/> bytes cut at MTU 1500, every
    /// <paramref name="ipv6Every"/>-th one IPv6 instead, fragments of neighbouring datagrams interleaved pairwise and
    /// each datagram sent last fragment first when <paramref name="reversed"/>.
    /// </summary>
    public static byte[][] Build(int datagrams, int payload, int ipv6Every, bool reversed)
    {
        var frames = new List<byte[]>();
        var random = new Random(1);
        var data = new byte[payload];
        random.NextBytes(data);
        for (int d = 0; d < datagrams; d++)
        {
            bool v6 = ipv6Every > 0 && d % ipv6Every == 0;
            int piece = v6 ? 1448 : 1480;
            var pieces = new List<byte[]>();
            for (int offset = 0; offset < payload; offset += piece)
            {
                int length = Math.Min(piece, payload - offset);
                bool more = offset + length < payload;
                pieces.Add(v6 ? Ipv6(data.AsSpan(offset, length), offset, more, (uint)d) : Ipv4(data.AsSpan(offset, length), offset, more, (ushort)d));
            }

            if (reversed)
            {
                pieces.Reverse();
            }

            frames.AddRange(pieces);
        }

        return [.. frames];
    }

    private static byte[] Ipv4(ReadOnlySpan<byte> data, int offset, bool more, ushort id)
    {
        var frame = new byte[14 + 20 + data.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x0800);
        Span<byte> ip = frame.AsSpan(14);
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip.Slice(2), (ushort)(20 + data.Length));
        BinaryPrimitives.WriteUInt16BigEndian(ip.Slice(4), id);
        BinaryPrimitives.WriteUInt16BigEndian(ip.Slice(6), (ushort)((offset / 8) | (more ? 0x2000 : 0)));
        ip[8] = 64;
        ip[9] = 17;
        ip[12] = 192; ip[13] = 0; ip[14] = 2; ip[15] = 1;
        ip[16] = 198; ip[17] = 51; ip[18] = 100; ip[19] = 1;
        data.CopyTo(ip.Slice(20));
        return frame;
    }

    private static byte[] Ipv6(ReadOnlySpan<byte> data, int offset, bool more, uint id)
    {
        var frame = new byte[14 + 40 + 8 + data.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x86DD);
        Span<byte> ip = frame.AsSpan(14);
        ip[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(ip.Slice(4), (ushort)(8 + data.Length));
        ip[6] = 44;
        ip[7] = 64;
        ip[8] = 0x20; ip[9] = 0x01; ip[10] = 0x0d; ip[11] = 0xb8; ip[23] = 1;
        ip[24] = 0x20; ip[25] = 0x01; ip[26] = 0x0d; ip[27] = 0xb8; ip[39] = 2;
        ip[40] = 17;
        BinaryPrimitives.WriteUInt16BigEndian(ip.Slice(42), (ushort)(offset | (more ? 1 : 0)));
        BinaryPrimitives.WriteUInt32BigEndian(ip.Slice(44), id);
        data.CopyTo(ip.Slice(48));
        return frame;
    }
}
