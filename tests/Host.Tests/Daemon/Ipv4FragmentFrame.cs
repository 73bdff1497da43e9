using System.Buffers.Binary;
using System.Globalization;
using System.Net;

namespace Reassembly.Host.Tests.Daemon;

/// <summary>Builds one Ethernet + IPv4 fragment of a UDP datagram, checksummed, for sending raw on the veth.</summary>
internal static class Ipv4FragmentFrame
{
    public static byte[] Build(string destinationMac, string sourceMac, IPAddress source, IPAddress destination, ushort identification, int offsetBytes, bool moreFragments, ReadOnlySpan<byte> payload)
    {
        byte[] frame = new byte[14 + 20 + payload.Length];
        ParseMac(destinationMac).CopyTo(frame, 0);
        ParseMac(sourceMac).CopyTo(frame, 6);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x0800);
        Span<byte> ip = frame.AsSpan(14, 20);
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + payload.Length));
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], identification);
        BinaryPrimitives.WriteUInt16BigEndian(ip[6..], (ushort)((moreFragments ? 0x2000 : 0) | (offsetBytes / 8)));
        ip[8] = 64;
        ip[9] = 17;
        source.TryWriteBytes(ip[12..16], out _);
        destination.TryWriteBytes(ip[16..20], out _);
        uint sum = 0;
        for (int i = 0; i < 20; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(ip[i..]);
        }

        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], (ushort)~sum);
        payload.CopyTo(frame.AsSpan(34));
        return frame;
    }

    private static byte[] ParseMac(string mac)
    {
        string[] parts = mac.Split(':');
        byte[] bytes = new byte[6];
        for (int i = 0; i < 6; i++)
        {
            bytes[i] = byte.Parse(parts[i], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }

        return bytes;
    }
}
