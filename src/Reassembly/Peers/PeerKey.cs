using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Reassembly.Peers;

/// <summary>
/// Identifies a peer: the namespace it was seen in, its family and its (source) address. The same address in two
/// namespaces is two peers, because overlapping address spaces behind different VLANs are different hosts.
/// </summary>
/// <remarks>
/// The order is total and cheap (three unsigned 64-bit comparisons): namespace, then family, then the address as a
/// big-endian 128-bit number. An IPv4 address sits in the low word with a zero high word; the family tag keeps
/// <c>10.0.0.1</c> apart from <c>::10.0.0.1</c>. The order has no meaning beyond being what the tree sorts by.
/// </remarks>
internal readonly struct PeerKey : IEquatable<PeerKey>, IComparable<PeerKey>
{
    // Namespace id (as unsigned) in bits 8..39, family in bits 0..7: one comparison covers both.
    private readonly ulong _scope;
    private readonly ulong _high;
    private readonly ulong _low;

    private PeerKey(int namespaceId, IpFamily family, ulong high, ulong low)
    {
        _scope = ((ulong)(uint)namespaceId << 8) | (byte)family;
        _high = high;
        _low = low;
    }

    /// <summary>The namespace the peer belongs to.</summary>
    public int NamespaceId => (int)(uint)(_scope >> 8);

    /// <summary>The peer's family.</summary>
    public IpFamily Family => (IpFamily)(byte)_scope;

    /// <summary>A key for an IPv4 peer; <paramref name="address"/> is in host order (as read big-endian off the wire).</summary>
    public static PeerKey ForIpv4(int namespaceId, uint address) => new(namespaceId, IpFamily.Ipv4, 0, address);

    /// <summary>A key for an IPv6 peer; <paramref name="address16"/> is the 16-byte address as on the wire.</summary>
    /// <exception cref="ArgumentException">The address is not 16 bytes long.</exception>
    public static PeerKey ForIpv6(int namespaceId, ReadOnlySpan<byte> address16)
    {
        if (address16.Length != 16)
        {
            throw new ArgumentException("An IPv6 address is 16 bytes.", nameof(address16));
        }

        return new(
            namespaceId,
            IpFamily.Ipv6,
            BinaryPrimitives.ReadUInt64BigEndian(address16),
            BinaryPrimitives.ReadUInt64BigEndian(address16.Slice(8)));
    }

    /// <summary>A keyed 64-bit hash of the whole key (see <see cref="PeerCache"/>, which draws the secret).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Hash(ulong secret)
    {
        ulong h = (secret ^ _low) * 0x9E3779B185EBCA87UL;
        h = (BitOperations.RotateLeft(h, 31) ^ _high ^ (_scope << 40)) * 0xC2B2AE3D27D4EB4FUL;
        h ^= h >> 33;
        h *= 0xFF51AFD7ED558CCDUL;
        h ^= h >> 33;
        return h;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int CompareTo(PeerKey other)
    {
        if (_scope != other._scope)
        {
            return _scope < other._scope ? -1 : 1;
        }

        if (_high != other._high)
        {
            return _high < other._high ? -1 : 1;
        }

        if (_low != other._low)
        {
            return _low < other._low ? -1 : 1;
        }

        return 0;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Equals(PeerKey other) => _low == other._low && _high == other._high && _scope == other._scope;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is PeerKey other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_scope, _high, _low);

    /// <inheritdoc/>
    public override string ToString() =>
        Family == IpFamily.Ipv4
            ? $"ns{NamespaceId}/{(byte)(_low >> 24)}.{(byte)(_low >> 16)}.{(byte)(_low >> 8)}.{(byte)_low}"
            : $"ns{NamespaceId}/{_high:x16}{_low:x16}";

    /// <summary>Equality, as <see cref="Equals(PeerKey)"/>.</summary>
    public static bool operator ==(PeerKey left, PeerKey right) => left.Equals(right);

    /// <summary>Inequality, as <see cref="Equals(PeerKey)"/>.</summary>
    public static bool operator !=(PeerKey left, PeerKey right) => !left.Equals(right);

    /// <summary>Order, as <see cref="CompareTo(PeerKey)"/>.</summary>
    public static bool operator <(PeerKey left, PeerKey right) => left.CompareTo(right) < 0;

    /// <summary>Order, as <see cref="CompareTo(PeerKey)"/>.</summary>
    public static bool operator >(PeerKey left, PeerKey right) => left.CompareTo(right) > 0;

    /// <summary>Order, as <see cref="CompareTo(PeerKey)"/>.</summary>
    public static bool operator <=(PeerKey left, PeerKey right) => left.CompareTo(right) <= 0;

    /// <summary>Order, as <see cref="CompareTo(PeerKey)"/>.</summary>
    public static bool operator >=(PeerKey left, PeerKey right) => left.CompareTo(right) >= 0;
}
