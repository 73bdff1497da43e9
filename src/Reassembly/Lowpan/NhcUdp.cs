using System.Buffers.Binary;
using Reassembly.Protocols;

namespace Reassembly.Lowpan;

/// <summary>
/// UDP next-header compression (RFC 6282 section 4.3; Linux net/6lowpan/nhc_udp.c): 11110CPP, then the ports (P: 00 both
/// inline, 01 destination 0xF0XX, 10 source 0xF0XX, 11 both 0xF0BX in one octet) and the checksum unless C elides it.
/// The length is always elided; the caller fills it in.
/// </summary>
internal static class NhcUdp
{
    public const int HeaderLength = 8;
    public const int LengthOffset = 4;
    public const int ChecksumOffset = 6;

    private const byte DispatchMask = 0xF8;
    private const byte Dispatch = 0xF0;
    private const int ChecksumElidedBit = 0x04;
    private const int PortsMask = 0x03;
    private const byte UdpProtocol = 17;

    public static bool IsUdp(byte nhc) => (nhc & DispatchMask) == Dispatch;

    /// <summary>Writes the UDP header (length and, when elided, checksum left zero) from the NHC at <paramref name="at"/>.</summary>
    public static LowpanDecodeStatus Decompress(ReadOnlySpan<byte> input, ref int at, Span<byte> udp, out bool checksumElided)
    {
        byte nhc = input[at];
        checksumElided = (nhc & ChecksumElidedBit) != 0;
        int portsLength = (nhc & PortsMask) switch { 0 => 4, 1 => 3, 2 => 3, _ => 1 };
        int length = 1 + portsLength + (checksumElided ? 0 : 2);
        if (input.Length < at + length)
        {
            return LowpanDecodeStatus.Malformed;
        }

        ReadOnlySpan<byte> inline = input.Slice(at + 1, length - 1);
        ushort sourcePort, destinationPort;
        switch (nhc & PortsMask)
        {
            case 0:
                sourcePort = BinaryPrimitives.ReadUInt16BigEndian(inline);
                destinationPort = BinaryPrimitives.ReadUInt16BigEndian(inline[2..]);
                break;
            case 1:
                sourcePort = BinaryPrimitives.ReadUInt16BigEndian(inline);
                destinationPort = (ushort)(0xF000 | inline[2]);
                break;
            case 2:
                sourcePort = (ushort)(0xF000 | inline[0]);
                destinationPort = BinaryPrimitives.ReadUInt16BigEndian(inline[1..]);
                break;
            default:
                sourcePort = (ushort)(0xF0B0 | (inline[0] >> 4));
                destinationPort = (ushort)(0xF0B0 | (inline[0] & 0x0F));
                break;
        }

        BinaryPrimitives.WriteUInt16BigEndian(udp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[LengthOffset..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(udp[ChecksumOffset..], checksumElided ? (ushort)0 : BinaryPrimitives.ReadUInt16BigEndian(inline[portsLength..]));
        at += length;
        return LowpanDecodeStatus.Ok;
    }

    /// <summary>
    /// RFC 6282 4.3.2: an elided checksum "is recovered by recomputing it" at the 6LoWPAN endpoint. Computes the UDP
    /// checksum of a whole IPv6 packet whose UDP header follows the fixed header (pseudo-header of RFC 8200 8.1), and
    /// writes it (0 becomes 0xFFFF, since 0 means "none" in UDP).
    /// </summary>
    public static void FillChecksum(Span<byte> packet)
    {
        Span<byte> udp = packet[IphcDecompressor.Ipv6HeaderLength..];
        int udpLength = udp.Length;
        udp[ChecksumOffset] = 0;
        udp[ChecksumOffset + 1] = 0;

        // Pseudo-header: addresses, upper-layer length, next header; summed with the segment by one's complement.
        Span<byte> pseudo = stackalloc byte[40];
        packet.Slice(8, 32).CopyTo(pseudo);
        BinaryPrimitives.WriteUInt32BigEndian(pseudo[32..], (uint)udpLength);
        BinaryPrimitives.WriteUInt32BigEndian(pseudo[36..], UdpProtocol);
        uint sum = (ushort)~InternetChecksum.Compute(pseudo) + (uint)(ushort)~InternetChecksum.Compute(udp);
        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        ushort checksum = (ushort)~sum;
        BinaryPrimitives.WriteUInt16BigEndian(udp[ChecksumOffset..], checksum == 0 ? (ushort)0xFFFF : checksum);
    }
}
