using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using Reassembly.Concurrency;

namespace Reassembly.Core;

/// <summary>
/// Identifies the datagram a fragment belongs to: the VLAN tag stack, both addresses, the identification and (IPv4)
/// the protocol. The same addresses and ID on two VLANs are two datagrams, as an IDS keying on VLAN expects.
/// </summary>
/// <remarks>
/// One layout serves every family (IPv4 addresses sit in the low words, with a family tag so that an IPv4 key can
/// never equal an IPv6 one), which keeps the queue and table code shared instead of copied per protocol.
/// </remarks>
internal readonly struct FragmentKey : IHashKey<FragmentKey>
{
    private const ulong Ipv4Tag = 4UL << 56;
    private const ulong Ipv6Tag = 6UL << 56;
    private const ulong LowpanTag = (ulong)IpFamily.Lowpan << 56;

    private readonly ulong _sourceHigh;
    private readonly ulong _sourceLow;
    private readonly ulong _destinationHigh;
    private readonly ulong _destinationLow;
    private readonly ulong _vlan;

    // Identification in the low 32 bits, protocol and family tag above it.
    private readonly ulong _identity;

    private FragmentKey(ulong sourceHigh, ulong sourceLow, ulong destinationHigh, ulong destinationLow, ulong vlan, ulong identity)
    {
        _sourceHigh = sourceHigh;
        _sourceLow = sourceLow;
        _destinationHigh = destinationHigh;
        _destinationLow = destinationLow;
        _vlan = vlan;
        _identity = identity;
    }

    public static FragmentKey ForIpv4(ulong vlan, uint source, uint destination, ushort identification, byte protocol) =>
        new(0, source, 0, destination, vlan, Ipv4Tag | ((ulong)protocol << 32) | identification);

    public static FragmentKey ForIpv6(ulong vlan, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, uint identification) =>
        new(
            BinaryPrimitives.ReadUInt64BigEndian(source),
            BinaryPrimitives.ReadUInt64BigEndian(source.Slice(8)),
            BinaryPrimitives.ReadUInt64BigEndian(destination),
            BinaryPrimitives.ReadUInt64BigEndian(destination.Slice(8)),
            vlan,
            Ipv6Tag | identification);

    /// <summary>
    /// A 6LoWPAN datagram (RFC 4944 5.3, Linux's <c>frag_lowpan_compare_key</c>): link-layer source and destination
    /// (mode, PAN ID, address), datagram_size and datagram_tag. The tag is the identification; the size sits where
    /// IPv4 keeps its protocol, widened to 16 bits.
    /// </summary>
    public static FragmentKey ForLowpan(Lowpan.Ieee802154Address source, Lowpan.Ieee802154Address destination, int datagramSize, ushort tag)
    {
        (ulong sourceHigh, ulong sourceLow) = source.ToKeyWords();
        (ulong destinationHigh, ulong destinationLow) = destination.ToKeyWords();
        return new(sourceHigh, sourceLow, destinationHigh, destinationLow, 0, LowpanTag | ((ulong)(ushort)datagramSize << 32) | tag);
    }

    public uint Identification => (uint)_identity;

    /// <summary>6LoWPAN: the datagram_size of the key (the whole uncompressed IPv6 packet), 0 for an unfragmented packet.</summary>
    public int LowpanDatagramSize => (ushort)(_identity >> 32);

    /// <summary>IPv4: the Protocol field (part of the key); IPv6: 0.</summary>
    public byte Protocol => (byte)(_identity >> 32);

    // The tag is the family's enum value, so the top byte is the family.
    public IpFamily Family => (IpFamily)(byte)(_identity >> 56);

    /// <summary>The source address: an IPv4 address in the low 32 bits, an IPv6 address as a big-endian 128-bit number.</summary>
    public UInt128 Source => new(_sourceHigh, _sourceLow);

    /// <summary>The destination address, laid out as <see cref="Source"/>.</summary>
    public UInt128 Destination => new(_destinationHigh, _destinationLow);

    /// <summary>
    /// A fixed (unkeyed) hash of the source address alone, for steering: every fragment from one source goes to one
    /// worker, so a peer's fragments are handled in input order (as RSS steers a flow to one receive queue).
    /// </summary>
    public ulong SourceSteeringHash()
    {
        ulong h = (_sourceHigh * 0x9E3779B185EBCA87UL) ^ _sourceLow ^ (_identity >> 56);
        h ^= h >> 33;
        h *= 0xFF51AFD7ED558CCDUL;
        h ^= h >> 33;
        return h;
    }

    /// <summary>
    /// A keyed hash: every table draws its own random <paramref name="secret"/>, so that a sender who knows the
    /// function still cannot choose keys that land in one bucket (the reason Linux seeds jhash per boot).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Hash(ulong secret)
    {
        const ulong Prime1 = 0x9E3779B185EBCA87UL;
        const ulong Prime2 = 0xC2B2AE3D27D4EB4FUL;
        ulong h = secret;
        h = BitOperations.RotateLeft((h ^ _sourceLow) * Prime1, 31);
        h = BitOperations.RotateLeft((h ^ _destinationLow) * Prime2, 29);
        h = BitOperations.RotateLeft((h ^ _identity) * Prime1, 31);
        h = BitOperations.RotateLeft((h ^ _sourceHigh ^ (_destinationHigh << 1) ^ _vlan) * Prime2, 27);

        // Final avalanche (murmur3 fmix64) so that the low bits used as the bucket index depend on every input bit.
        h ^= h >> 33;
        h *= 0xFF51AFD7ED558CCDUL;
        h ^= h >> 33;
        h *= 0xC4CEB9FE1A85EC53UL;
        h ^= h >> 33;
        return h;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Equals(FragmentKey other) => EqualsKey(in other);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool EqualsKey(in FragmentKey other) =>
        _identity == other._identity
        && _sourceLow == other._sourceLow
        && _destinationLow == other._destinationLow
        && _sourceHigh == other._sourceHigh
        && _destinationHigh == other._destinationHigh
        && _vlan == other._vlan;

    public override bool Equals(object? obj) => obj is FragmentKey other && Equals(other);

    public override int GetHashCode() => (int)Hash(0);
}
