namespace Reassembly.Parsing;

/// <summary>What an IP packet is, as far as reassembly is concerned.</summary>
internal enum PacketKind : byte
{
    /// <summary>A complete datagram that passes through untouched.</summary>
    NotFragmented,

    /// <summary>A fragment that goes into a reassembly queue.</summary>
    Fragment,

    /// <summary>
    /// An IPv6 Fragment header with offset 0 and M clear (RFC 6946): a whole datagram that is processed in isolation,
    /// never queued, and counted as reassembled as Linux does.
    /// </summary>
    AtomicFragment,

    /// <summary>Lengths that lie, truncated headers: counted and passed through.</summary>
    Malformed,

    /// <summary>
    /// A fragment that would end past the largest datagram (65535 bytes): counted as malformed and passed through like
    /// <see cref="Malformed"/>, but its descriptor is filled so that the engine can report it.
    /// </summary>
    OversizeFragment,

    /// <summary>
    /// An IPv6 first fragment without the whole header chain through the upper-layer header (RFC 7112, RFC 8200
    /// section 4.5): dropped, as Linux's <c>ipv6_frag_rcv</c> does. The descriptor is filled.
    /// </summary>
    IncompleteHeaderChain,

    /// <summary>
    /// 6LoWPAN: an IEEE 802.15.4 frame that carries no IPv6 (acknowledgment, beacon, MAC command, a data frame whose
    /// dispatch says "not a LoWPAN frame"): counted and passed through.
    /// </summary>
    LowpanNotIp,

    /// <summary>6LoWPAN: an IEEE 802.15.4 frame with security enabled; not decrypted, counted and passed through.</summary>
    LowpanSecured,

    /// <summary>
    /// 6LoWPAN: a well-formed frame in a form the engine does not decode (a dispatch, an NHC or an address mode it does
    /// not implement, a context not configured): counted, reported and passed through, never guessed.
    /// </summary>
    LowpanUnsupported,
}
