using System.Buffers.Binary;
using System.Net;

namespace Reassembly;

/// <summary>
/// One anomaly: what happened, to which datagram, where in it, and under which overlap policy. A plain value, built
/// without allocating; the address accessors allocate only when called.
/// </summary>
public readonly struct AnomalyEvent
{
    private readonly UInt128 _source;
    private readonly UInt128 _destination;

    internal AnomalyEvent(
        AnomalyKind kind,
        long timestampNanoseconds,
        IpFamily family,
        UInt128 source,
        UInt128 destination,
        uint identification,
        OverlapPolicy policy)
    {
        Kind = kind;
        TimestampNanoseconds = timestampNanoseconds;
        Family = family;
        _source = source;
        _destination = destination;
        Identification = identification;
        Policy = policy;
        FrameIndex = -1;
        OtherFrameIndex = -1;
        FragmentOffset = -1;
        FragmentEnd = -1;
        OverlapStart = -1;
        OverlapEnd = -1;
    }

    /// <summary>The namespace of the datagram (<see cref="NamespaceStatistics.Name"/>: <c>default</c> without a selector).</summary>
    public string Namespace { get; init; } = string.Empty;

    /// <summary>What happened.</summary>
    public AnomalyKind Kind { get; }

    /// <summary>Packet time of the frame that revealed it (for a timeout, the datagram's deadline: when its timeout ran out), in nanoseconds since the Unix epoch.</summary>
    public long TimestampNanoseconds { get; }

    /// <summary>The datagram's family.</summary>
    public IpFamily Family { get; }

    /// <summary>The datagram's identification (16 bits for IPv4, 32 for IPv6, the 16-bit datagram_tag for 6LoWPAN).</summary>
    public uint Identification { get; }

    /// <summary>The overlap policy that applied to the datagram.</summary>
    public OverlapPolicy Policy { get; }

    /// <summary>Zero-based index, among the frames given to the engine since it was created or reset, of the frame that revealed it (for a timeout, the first frame whose clock reached the deadline); -1 when none did (a timeout at the end of the input).</summary>
    public long FrameIndex { get; init; }

    /// <summary>For an overlap, teardrop or duplicate: the index of the frame that supplied the first overlapped held byte; for a timeout: the frame that started the datagram; else -1.</summary>
    public long OtherFrameIndex { get; init; }

    /// <summary>Where the fragment starts in the datagram's fragmentable part, in bytes; -1 when there is no fragment (a timeout).</summary>
    public int FragmentOffset { get; init; }

    /// <summary>Where the fragment ends (exclusive), in bytes; -1 when there is no fragment.</summary>
    public int FragmentEnd { get; init; }

    /// <summary>For an overlap, teardrop or duplicate: the first overlapping byte; else -1.</summary>
    public int OverlapStart { get; init; }

    /// <summary>For an overlap, teardrop or duplicate: the end (exclusive) of the overlapping bytes; else -1.</summary>
    public int OverlapEnd { get; init; }

    /// <summary>For an overlap: whether the new fragment's bytes differ from the held ones where they overlap.</summary>
    public bool BytesDiffer { get; init; }

    /// <summary>The source address (6LoWPAN: the IPv6 link-local address of the link-layer source).</summary>
    public IPAddress GetSourceAddress() => ToAddress(_source);

    /// <summary>The destination address.</summary>
    public IPAddress GetDestinationAddress() => ToAddress(_destination);

    private IPAddress ToAddress(UInt128 bits)
    {
        if (Family == IpFamily.Lowpan)
        {
            // A 6LoWPAN datagram is keyed on link-layer addresses; it is named by the link-local address of each.
            bits = Lowpan.Ieee802154Address.FromKeyBits(bits).ToLinkLocal();
        }

        if (Family == IpFamily.Ipv4)
        {
            Span<byte> v4 = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(v4, (uint)bits);
            return new IPAddress(v4);
        }

        Span<byte> v6 = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(v6, bits);
        return new IPAddress(v6);
    }
}
