namespace Reassembly.Lowpan;

/// <summary>
/// 6LoWPAN dispatch values and header lengths (RFC 4944 section 5 and the IANA "Dispatch Type Field" registry, RFC 6282
/// section 3.1), as constant chains.
/// </summary>
internal static class LowpanDispatch
{
    /// <summary>00xxxxxx: not a LoWPAN frame (NALP).</summary>
    public const byte NotLowpanMask = 0xC0;

    /// <summary>01000001: an uncompressed IPv6 header follows.</summary>
    public const byte Ipv6 = 0x41;

    /// <summary>01010000: LOWPAN_BC0, a broadcast header with a one-octet sequence number.</summary>
    public const byte Broadcast0 = 0x50;

    public const int Broadcast0Length = 2;

    /// <summary>011xxxxx: LOWPAN_IPHC (RFC 6282), under <see cref="IphcMask"/>.</summary>
    public const byte Iphc = 0x60;

    public const byte IphcMask = 0xE0;

    /// <summary>10xxxxxx: mesh addressing header, under <see cref="MeshMask"/>.</summary>
    public const byte Mesh = 0x80;

    public const byte MeshMask = 0xC0;

    /// <summary>11000xxx: first fragment, under <see cref="FragmentMask"/>.</summary>
    public const byte Frag1 = 0xC0;

    /// <summary>11100xxx: subsequent fragment, under <see cref="FragmentMask"/>.</summary>
    public const byte FragN = 0xE0;

    public const byte FragmentMask = 0xF8;

    /// <summary>FRAG1: dispatch and datagram_size (2), datagram_tag (2).</summary>
    public const int Frag1Length = 4;

    /// <summary>FRAGN: <see cref="Frag1Length"/> and datagram_offset (1, in units of 8 octets).</summary>
    public const int FragNLength = Frag1Length + 1;

    /// <summary>
    /// Linux's limit on datagram_size (<c>lowpan_frag_rcv</c>: IPV6_MIN_MTU): 6LoWPAN exists to carry 1280-octet IPv6
    /// packets over 127-octet frames, and a larger size is refused there.
    /// </summary>
    public const int MaximumDatagramSize = 1280;
}
