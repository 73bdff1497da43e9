using System.Buffers.Binary;
using System.Net;

namespace Reassembly.Tests.Lowpan;

/// <summary>
/// Builds IEEE 802.15.4 / 6LoWPAN test frames. IPv6 packets are built whole from their fields first (they are the
/// expected output); the compressed form is then written from the same packet with the modes a test names, so the
/// expected bytes never come from the decompressor under test.
/// </summary>
internal static class LowpanFrames
{
    public const ushort Pan = 0xABCD;

    /// <summary>A link-layer address: mode 0 none, 2 short, 3 extended.</summary>
    public readonly record struct Address(int Mode, ulong Value)
    {
        public static Address Short(ushort value) => new(2, value);

        public static Address Extended(ulong value) => new(3, value);

        public static Address None => new(0, 0);

        public byte[] InterfaceId()
        {
            byte[] iid = new byte[8];
            if (Mode == 3)
            {
                BinaryPrimitives.WriteUInt64BigEndian(iid, Value);
                iid[0] ^= 0x02;
            }
            else
            {
                iid[3] = 0xFF;
                iid[4] = 0xFE;
                BinaryPrimitives.WriteUInt16BigEndian(iid.AsSpan(6), (ushort)Value);
            }

            return iid;
        }

        public byte[] LinkLocal() => [0xFE, 0x80, 0, 0, 0, 0, 0, 0, .. InterfaceId()];
    }

    /// <summary>
    /// A 2003-format MAC frame (PAN ID compression whenever both addresses are present), with a good FCS if
    /// <paramref name="fcs"/>.
    /// </summary>
    public static byte[] Mac(byte[] payload, Address source, Address destination, bool fcs = false, int frameType = 1, bool security = false, byte sequence = 0)
    {
        bool compression = source.Mode != 0 && destination.Mode != 0;
        int control = frameType | (security ? 0x08 : 0) | (compression ? 0x40 : 0) | (destination.Mode << 10) | (security ? 1 << 12 : 0) | (source.Mode << 14);
        var bytes = new List<byte> { (byte)control, (byte)(control >> 8), sequence };
        if (destination.Mode != 0)
        {
            bytes.AddRange(LittleEndian(Pan, 2));
            bytes.AddRange(LittleEndian(destination.Value, destination.Mode == 2 ? 2 : 8));
        }

        if (source.Mode != 0)
        {
            if (!compression)
            {
                bytes.AddRange(LittleEndian(Pan, 2));
            }

            bytes.AddRange(LittleEndian(source.Value, source.Mode == 2 ? 2 : 8));
        }

        bytes.AddRange(payload);
        if (fcs)
        {
            bytes.AddRange(LittleEndian(Crc16(bytes.ToArray()), 2));
        }

        return [.. bytes];
    }

    public static byte[] LittleEndian(ulong value, int length)
    {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)(value >> (8 * i));
        }

        return bytes;
    }

    /// <summary>ITU-T CRC-16 as IEEE 802.15.4 sends it, written out bit by bit from the polynomial.</summary>
    public static ushort Crc16(byte[] data)
    {
        int crc = 0;
        foreach (byte b in data)
        {
            for (int bit = 0; bit < 8; bit++)
            {
                int input = (b >> bit) & 1;
                int top = crc & 1;
                crc >>= 1;
                if ((input ^ top) != 0)
                {
                    crc ^= 0x8408;
                }
            }
        }

        return (ushort)crc;
    }

    public static byte[] Address6(string text) => IPAddress.Parse(text).GetAddressBytes();

    /// <summary>A whole IPv6/UDP packet with a correct checksum.</summary>
    public static byte[] Ipv6Udp(byte[] source, byte[] destination, ushort sourcePort, ushort destinationPort, byte[] payload, byte trafficClass = 0, int flowLabel = 0, byte hopLimit = 64)
    {
        int udpLength = 8 + payload.Length;
        byte[] packet = new byte[40 + udpLength];
        BinaryPrimitives.WriteUInt32BigEndian(packet, (6u << 28) | ((uint)trafficClass << 20) | (uint)flowLabel);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)udpLength);
        packet[6] = 17;
        packet[7] = hopLimit;
        source.CopyTo(packet, 8);
        destination.CopyTo(packet, 24);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(40), sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(42), destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(44), (ushort)udpLength);
        payload.CopyTo(packet, 48);

        long sum = 0;
        for (int i = 8; i < 40; i += 2)
        {
            sum += (packet[i] << 8) | packet[i + 1];
        }

        sum += udpLength + 17;
        for (int i = 40; i < packet.Length; i += 2)
        {
            sum += (packet[i] << 8) | (i + 1 < packet.Length ? packet[i + 1] : 0);
        }

        while ((sum >> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        ushort checksum = (ushort)~sum;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(46), checksum == 0 ? (ushort)0xFFFF : checksum);
        return packet;
    }

    /// <summary>IPHC modes for <see cref="Compress"/>.</summary>
    public sealed record Modes
    {
        public int Tf { get; init; } = 3;
        public int HopLimit { get; init; } = 2;
        public int Sam { get; init; } = 3;
        public int Dam { get; init; } = 3;
        public bool Sac { get; init; }
        public bool Dac { get; init; }
        public int SourceContext { get; init; }
        public int DestinationContext { get; init; }
        public bool NhcUdp { get; init; } = true;
        public int Ports { get; init; }
        public bool ElideChecksum { get; init; }
    }

    /// <summary>
    /// Writes the IPHC form of a whole IPv6/UDP packet under <paramref name="modes"/>; the caller chose modes that the
    /// packet fits (e.g. SAM=11 only for an address derived from the link layer). Returns the compressed header and how
    /// many octets of the packet it stands for.
    /// </summary>
    public static (byte[] Header, int Covers) Compress(byte[] packet, Modes modes)
    {
        uint word = BinaryPrimitives.ReadUInt32BigEndian(packet);
        int trafficClass = (int)(word >> 20) & 0xFF;
        int flow = (int)(word & 0xFFFFF);
        byte[] source = packet[8..24];
        byte[] destination = packet[24..40];
        bool multicast = destination[0] == 0xFF;
        bool cid = modes.SourceContext != 0 || modes.DestinationContext != 0;
        var bytes = new List<byte>
        {
            (byte)(0x60 | (modes.Tf << 3) | (modes.NhcUdp ? 0x04 : 0) | modes.HopLimit),
            (byte)((cid ? 0x80 : 0) | (modes.Sac ? 0x40 : 0) | (modes.Sam << 4) | (multicast ? 0x08 : 0) | (modes.Dac ? 0x04 : 0) | modes.Dam),
        };
        if (cid)
        {
            bytes.Add((byte)((modes.SourceContext << 4) | modes.DestinationContext));
        }

        int ecn = trafficClass & 3, dscp = trafficClass >> 2;
        switch (modes.Tf)
        {
            case 0:
                bytes.AddRange([(byte)((ecn << 6) | dscp), (byte)(flow >> 16), (byte)(flow >> 8), (byte)flow]);
                break;
            case 1:
                bytes.AddRange([(byte)((ecn << 6) | (flow >> 16)), (byte)(flow >> 8), (byte)flow]);
                break;
            case 2:
                bytes.Add((byte)((ecn << 6) | dscp));
                break;
        }

        if (!modes.NhcUdp)
        {
            bytes.Add(packet[6]);
        }

        if (modes.HopLimit == 0)
        {
            bytes.Add(packet[7]);
        }

        if (!(modes.Sac && modes.Sam == 0))
        {
            bytes.AddRange(modes.Sam switch { 0 => source, 1 => source[8..], 2 => source[14..], _ => [] });
        }

        if (multicast && modes.Dac)
        {
            bytes.AddRange([destination[1], destination[2], .. destination[12..]]);
        }
        else if (multicast)
        {
            bytes.AddRange(modes.Dam switch { 0 => destination, 1 => [destination[1], .. destination[11..]], 2 => [destination[1], .. destination[13..]], _ => destination[15..] });
        }
        else
        {
            bytes.AddRange(modes.Dam switch { 0 => destination, 1 => destination[8..], 2 => destination[14..], _ => [] });
        }

        if (!modes.NhcUdp)
        {
            return ([.. bytes], 40);
        }

        ushort sourcePort = BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(40));
        ushort destinationPort = BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(42));
        bytes.Add((byte)(0xF0 | (modes.ElideChecksum ? 0x04 : 0) | modes.Ports));
        switch (modes.Ports)
        {
            case 0:
                bytes.AddRange(packet[40..44]);
                break;
            case 1:
                bytes.AddRange([packet[40], packet[41], (byte)destinationPort]);
                break;
            case 2:
                bytes.AddRange([(byte)sourcePort, packet[42], packet[43]]);
                break;
            default:
                bytes.Add((byte)(((sourcePort & 0xF) << 4) | (destinationPort & 0xF)));
                break;
        }

        if (!modes.ElideChecksum)
        {
            bytes.AddRange(packet[46..48]);
        }

        return ([.. bytes], 48);
    }

    /// <summary>
    /// The 6LoWPAN payloads of <paramref name="packet"/> cut into fragments: FRAG1 carries the compressed header and
    /// <paramref name="sizes"/>[0] bytes after what it covers, each FRAGN the next size.
    /// </summary>
    public static List<byte[]> Fragment(byte[] packet, (byte[] Header, int Covers) compressed, ushort tag, params int[] sizes)
    {
        var fragments = new List<byte[]>();
        int size = packet.Length;
        int end = compressed.Covers + sizes[0];
        fragments.Add([(byte)(0xC0 | (size >> 8)), (byte)size, (byte)(tag >> 8), (byte)tag, .. compressed.Header, .. packet[compressed.Covers..end]]);
        foreach (int length in sizes[1..])
        {
            fragments.Add(FragN(size, tag, end, packet[end..(end + length)]));
            end += length;
        }

        if (end != size)
        {
            throw new ArgumentException($"the sizes cover {end} of {size} octets");
        }

        return fragments;
    }

    public static byte[] FragN(int size, ushort tag, int offset, byte[] data) =>
        [(byte)(0xE0 | (size >> 8)), (byte)size, (byte)(tag >> 8), (byte)tag, (byte)(offset / 8), .. data];

    public static byte[] Payload(int length, int seed)
    {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)((seed * 31) + (i * 7));
        }

        return bytes;
    }
}
