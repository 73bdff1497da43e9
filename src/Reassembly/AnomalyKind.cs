namespace Reassembly;

/// <summary>What an <see cref="AnomalyEvent"/> reports. The JSON names are in <see cref="AnomalyKindNames"/>.</summary>
public enum AnomalyKind
{
    /// <summary>A fragment overlapped held data; <see cref="AnomalyEvent.BytesDiffer"/> says whether the overlapping bytes differ.</summary>
    Overlap,

    /// <summary>A last fragment (MF clear) overlapping held data and ending before the datagram's end: the teardrop attack and its kin.</summary>
    Teardrop,

    /// <summary>A fragment or a datagram that would end past 65535 bytes (the ping of death).</summary>
    Oversize,

    /// <summary>
    /// An offset-0 fragment too short to hold its transport header, or a TCP fragment at offset 8 that can rewrite
    /// the first fragment's flags (RFC 1858, RFC 3128). Reported only: the fragment is still reassembled.
    /// </summary>
    TinyFirstFragment,

    /// <summary>A datagram that reached <see cref="ReassemblyOptions.MaxFragmentsPerDatagram"/>: dropped.</summary>
    TooManyFragments,

    /// <summary>A fragment holding only bytes already held, identical: ignored.</summary>
    Duplicate,

    /// <summary>Two last fragments with different ends, or a last fragment ending before held data: the datagram is dropped.</summary>
    ConflictingEnd,

    /// <summary>A fragment reaching past the end a last fragment announced: the datagram is dropped.</summary>
    PastEnd,

    /// <summary>A fragment other than the last whose length is not a multiple of 8: dropped on its own.</summary>
    NotMultipleOf8,

    /// <summary>A fragment carrying no data: the datagram is dropped, as Linux does.</summary>
    ZeroLength,

    /// <summary>An incomplete datagram expired (its timeout, or the end of the input).</summary>
    Timeout,

    /// <summary>An incomplete datagram evicted to stay within memory limits (evict mode: oldest first, a source over its fair share first).</summary>
    Eviction,

    /// <summary>An incomplete datagram dropped because its source's IP-ID moved too far (Linux's <c>ipfrag_max_dist</c>).</summary>
    IpIdDistanceReset,

    /// <summary>An IPv6 first fragment that does not hold the whole header chain through the upper-layer header (RFC 7112): dropped.</summary>
    Ipv6IncompleteHeaderChain,

    /// <summary>An IPv6 atomic fragment (offset 0, M clear; RFC 6946): passed through at once, never queued.</summary>
    Ipv6AtomicFragment,

    /// <summary>
    /// An IPv6 fragment whose headers before the Fragment header (the unfragmentable part, Next Header chain
    /// included) differ from those of the datagram's first-arrived fragment. Reported only: the reassembled packet
    /// takes the offset-0 fragment's, as RFC 8200 section 4.5 says.
    /// </summary>
    Ipv6HeaderMismatch,

    /// <summary>A fragment that would have started a datagram while its namespace (or all) was at its memory limit, in refuse mode: dropped.</summary>
    Refusal,

    /// <summary>
    /// A 6LoWPAN packet in a form the engine does not decode (a dispatch, NHC or address mode it does not implement, a
    /// context not configured): counted and passed through, never decompressed by guessing.
    /// </summary>
    LowpanUnsupported,
}
