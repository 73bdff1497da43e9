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

    /// <summary>Lengths that lie, truncated headers, offsets past 65535: counted and passed through.</summary>
    Malformed,
}
