using System.Buffers.Binary;

namespace Reassembly.Parsing;

/// <summary>
/// A hash of a frame's IP address pair that is the same in both directions, for splitting traffic between instances
/// (<c>--shard</c>) as a packet broker or symmetric RSS would: every fragment of a datagram carries the same pair, so
/// one instance sees all of them.
/// </summary>
internal static class AddressPairHash
{
    /// <summary>The hash (any value, 0 included), or 0 for a frame without a readable IPv4 or IPv6 address pair (ARP, truncated, unknown link).</summary>
    public static uint Of(ReadOnlySpan<byte> frame, LinkType linkType)
    {
        if (LinkLayerDecoder.Decode(frame, linkType, out LinkLayerInfo link) != LinkDecodeStatus.Ok)
        {
            return 0;
        }

        ReadOnlySpan<byte> packet = frame[link.NetworkOffset..];
        ulong a, b;
        switch (link.Protocol)
        {
            case NetworkProtocol.Ipv4 when packet.Length >= 20:
                a = BinaryPrimitives.ReadUInt32BigEndian(packet[12..]);
                b = BinaryPrimitives.ReadUInt32BigEndian(packet[16..]);
                break;
            case NetworkProtocol.Ipv6 when packet.Length >= 40:
                a = BinaryPrimitives.ReadUInt64BigEndian(packet[8..]) ^ (BinaryPrimitives.ReadUInt64BigEndian(packet[16..]) * 0x9E3779B185EBCA87UL);
                b = BinaryPrimitives.ReadUInt64BigEndian(packet[24..]) ^ (BinaryPrimitives.ReadUInt64BigEndian(packet[32..]) * 0x9E3779B185EBCA87UL);
                break;
            default:
                return 0;
        }

        // Order the pair, so that A->B and B->A hash alike; then mix (murmur3's finalizer).
        ulong low = Math.Min(a, b);
        ulong high = Math.Max(a, b);
        ulong h = (low * 0xC2B2AE3D27D4EB4FUL) ^ high;
        h ^= h >> 33;
        h *= 0xFF51AFD7ED558CCDUL;
        h ^= h >> 33;
        h *= 0xC4CEB9FE1A85EC53UL;
        h ^= h >> 33;
        return (uint)h;
    }
}
