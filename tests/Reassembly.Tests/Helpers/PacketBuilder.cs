using System.Buffers.Binary;
using Reassembly.Protocols;

namespace Reassembly.Tests.Helpers;

/// <summary>Builds frames for tests: Ethernet (optionally VLAN-tagged) around IPv4 or IPv6 fragments of a payload.</summary>
internal static class PacketBuilder
{
    public static readonly byte[] Ipv4Source = [192, 0, 2, 1];
    public static readonly byte[] Ipv4Destination = [198, 51, 100, 2];
    public static readonly byte[] Ipv6Source = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    public static readonly byte[] Ipv6Destination = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

    public static byte[] Payload(int length, int seed = 1)
    {
        var random = new Random(seed);
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    public static byte[] Ethernet(ushort etherType, ReadOnlySpan<byte> packet, params ushort[] vlans)
    {
        var frame = new byte[14 + (4 * vlans.Length) + packet.Length];
        frame.AsSpan(0, 6).Fill(0x02);
        frame.AsSpan(6, 6).Fill(0x04);
        int offset = 12;
        foreach (ushort vlan in vlans)
        {
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(offset), offset == 12 && vlans.Length > 1 ? (ushort)0x88A8 : (ushort)0x8100);
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(offset + 2), vlan);
            offset += 4;
        }

        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(offset), etherType);
        packet.CopyTo(frame.AsSpan(offset + 2));
        return frame;
    }

    /// <summary>An IPv4 packet carrying <paramref name="data"/> at fragment offset <paramref name="offset"/>.</summary>
    public static byte[] Ipv4(ReadOnlySpan<byte> data, int offset, bool moreFragments, ushort id = 0x1234, byte protocol = 17, byte[]? options = null, bool dontFragment = false)
    {
        int headerLength = 20 + (options?.Length ?? 0);
        var packet = new byte[headerLength + data.Length];
        packet[0] = (byte)(0x40 | (headerLength / 4));
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), id);
        ushort flags = (ushort)((offset / 8) | (moreFragments ? 0x2000 : 0) | (dontFragment ? 0x4000 : 0));
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(6), flags);
        packet[8] = 64;
        packet[9] = protocol;
        Ipv4Source.CopyTo(packet, 12);
        Ipv4Destination.CopyTo(packet, 16);
        options?.CopyTo(packet, 20);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), InternetChecksum.Compute(packet.AsSpan(0, headerLength)));
        data.CopyTo(packet.AsSpan(headerLength));
        return packet;
    }

    /// <summary>The datagram an IPv4 receiver should rebuild from fragments of <paramref name="data"/>.</summary>
    /// <summary>Recomputes the header checksum of an IPv4 packet whose header a test has changed.</summary>
    public static void FixIpv4Checksum(byte[] packet)
    {
        int headerLength = (packet[0] & 0x0F) * 4;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), 0);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), InternetChecksum.Compute(packet.AsSpan(0, headerLength)));
    }

    public static byte[] Ipv4Whole(ReadOnlySpan<byte> data, ushort id = 0x1234, byte protocol = 17, byte[]? options = null, bool dontFragment = false) =>
        Ipv4(data, 0, false, id, protocol, options, dontFragment);

    /// <summary>
    /// An IPv6 packet with <paramref name="extensions"/> (each a complete header whose first byte is overwritten to
    /// chain correctly) then a Fragment header, carrying <paramref name="data"/>.
    /// </summary>
    public static byte[] Ipv6Fragment(ReadOnlySpan<byte> data, int offset, bool moreFragments, uint id = 0xABCD0001, byte upperProtocol = 17, params (byte Type, byte[] Header)[] extensions)
    {
        int extensionLength = 0;
        foreach ((byte _, byte[] header) in extensions)
        {
            extensionLength += header.Length;
        }

        var packet = new byte[40 + extensionLength + 8 + data.Length];
        packet[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)(packet.Length - 40));
        packet[7] = 64;
        Ipv6Source.CopyTo(packet, 8);
        Ipv6Destination.CopyTo(packet, 24);
        int position = 40;
        int nextHeaderField = 6;
        foreach ((byte type, byte[] header) in extensions)
        {
            packet[nextHeaderField] = type;
            header.CopyTo(packet, position);
            nextHeaderField = position;
            position += header.Length;
        }

        packet[nextHeaderField] = 44;
        packet[position] = upperProtocol;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(position + 2), (ushort)(offset | (moreFragments ? 1 : 0)));
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(position + 4), id);
        data.CopyTo(packet.AsSpan(position + 8));
        return packet;
    }

    /// <summary>The packet an IPv6 receiver should rebuild: the same headers without the Fragment header.</summary>
    public static byte[] Ipv6Whole(ReadOnlySpan<byte> data, byte upperProtocol = 17, params (byte Type, byte[] Header)[] extensions)
    {
        byte[] withFragmentHeader = Ipv6Fragment(data, 0, false, 0, upperProtocol, extensions);
        int fragmentHeaderAt = withFragmentHeader.Length - data.Length - 8;
        var packet = new byte[withFragmentHeader.Length - 8];
        withFragmentHeader.AsSpan(0, fragmentHeaderAt).CopyTo(packet);
        data.CopyTo(packet.AsSpan(fragmentHeaderAt));
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)(packet.Length - 40));
        int nextHeaderField = 6;
        int position = 40;
        foreach ((byte _, byte[] header) in extensions)
        {
            nextHeaderField = position;
            position += header.Length;
        }

        packet[nextHeaderField] = upperProtocol;
        return packet;
    }

    /// <summary>Cuts <paramref name="data"/> into pieces of <paramref name="pieceSize"/> bytes (a multiple of 8).</summary>
    public static List<(int Offset, byte[] Data, bool More)> Split(byte[] data, int pieceSize)
    {
        var pieces = new List<(int, byte[], bool)>();
        for (int offset = 0; offset < data.Length; offset += pieceSize)
        {
            int length = Math.Min(pieceSize, data.Length - offset);
            pieces.Add((offset, data.AsSpan(offset, length).ToArray(), offset + length < data.Length));
        }

        return pieces;
    }

    public static byte[] Ipv6Option(int length)
    {
        // A hop-by-hop or destination options header padded with PadN to `length` bytes (a multiple of 8).
        var header = new byte[length];
        header[1] = (byte)((length / 8) - 1);
        header[2] = 1;
        header[3] = (byte)(length - 4);
        return header;
    }

    public static byte[] Ipv6RoutingHeader()
    {
        // Type 4 (segment routing) with segments left 0 and one address: nodes on the path would not act on it.
        var header = new byte[24];
        header[1] = 2;
        header[2] = 4;
        header[3] = 0;
        Ipv6Destination.CopyTo(header, 8);
        return header;
    }
}
