using Reassembly.Tests.Helpers;

namespace Reassembly.Tests.Api;

/// <summary>
/// A mixed capture for the API tests: fragmented IPv4 and IPv6 datagrams from several sources and VLANs, shuffled
/// within a window, with duplicates, overlaps, lost pieces (which time out), whole packets, ARP and malformed frames.
/// </summary>
internal static class ApiWorkload
{
    public static List<(byte[] Frame, long Timestamp)> Create(Random random, int datagrams = 300, int idBase = 0)
    {
        var frames = new List<byte[]>();
        for (int d = 0; d < datagrams; d++)
        {
            byte[] data = PacketBuilder.Payload(600 + random.Next(3000), d + idBase);
            List<(int Offset, byte[] Data, bool More)> pieces = PacketBuilder.Split(data, 8 * (20 + random.Next(100)));
            byte source = (byte)(d % 16);
            ushort[] vlans = d % 5 == 0 ? [(ushort)(10 + (d % 3))] : [];
            bool ipv6 = d % 3 == 0;
            foreach ((int offset, byte[] piece, bool more) in pieces)
            {
                if (random.Next(40) == 0)
                {
                    continue;
                }

                byte[] packet = ipv6
                    ? PacketBuilder.Ipv6Fragment(piece, offset, more, (uint)(d + idBase))
                    : PacketBuilder.Ipv4(piece, offset, more, (ushort)(d + idBase));
                SetSource(packet, ipv6, source);
                frames.Add(PacketBuilder.Ethernet(ipv6 ? (ushort)0x86DD : (ushort)0x0800, packet, vlans));
                if (random.Next(30) == 0)
                {
                    frames.Add(frames[^1]);
                }

                if (random.Next(60) == 0 && piece.Length >= 16)
                {
                    // An overlapping retransmission with different bytes: the datagram is dropped (RFC 5722).
                    byte[] changed = piece.AsSpan(0, 16).ToArray();
                    changed[0] ^= 0xFF;
                    byte[] overlap = ipv6
                        ? PacketBuilder.Ipv6Fragment(changed, offset + 8, true, (uint)(d + idBase))
                        : PacketBuilder.Ipv4(changed, offset + 8, true, (ushort)(d + idBase));
                    SetSource(overlap, ipv6, source);
                    frames.Add(PacketBuilder.Ethernet(ipv6 ? (ushort)0x86DD : (ushort)0x0800, overlap, vlans));
                }
            }

            if (d % 7 == 0)
            {
                frames.Add(PacketBuilder.Ethernet(0x0800, PacketBuilder.Ipv4Whole(data.AsSpan(0, 64), (ushort)d)));
            }

            if (d % 50 == 0)
            {
                frames.Add(PacketBuilder.Ethernet(0x0806, new byte[28]));
                frames.Add(PacketBuilder.Ethernet(0x0800, new byte[12]));
            }
        }

        return ShuffledTimeline.Create(frames, random, reorderWindow: 30);
    }

    /// <summary>Options whose timeouts let the lost pieces' datagrams expire within the workload.</summary>
    public static ReassemblyOptions Options(int workers = 1, IAnomalySink? sink = null, NamespaceSelector namespaces = NamespaceSelector.None) => new()
    {
        Workers = workers,
        Ipv4Timeout = TimeSpan.FromMilliseconds(1),
        Ipv6Timeout = TimeSpan.FromMilliseconds(1.5),
        AnomalySink = sink,
        NamespaceBy = namespaces,
    };

    private static void SetSource(byte[] packet, bool ipv6, byte source)
    {
        if (ipv6)
        {
            packet[8 + 15] = source;
            return;
        }

        packet[15] = source;
        PacketBuilder.FixIpv4Checksum(packet);
    }
}
