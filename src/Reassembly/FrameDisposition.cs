namespace Reassembly;

/// <summary>What the engine did with one frame.</summary>
public enum FrameDisposition
{
    /// <summary>
    /// The frame is not a fragment (not IP, not fragmented, an IPv6 atomic fragment, or malformed) and should be
    /// forwarded unchanged.
    /// </summary>
    PassThrough,

    /// <summary>The frame is a fragment the engine now holds; its datagram is not complete yet.</summary>
    Held,

    /// <summary>The frame completed a datagram: <see cref="FrameResult.Datagram"/> carries it.</summary>
    Reassembled,

    /// <summary>
    /// The frame was a fragment the engine discarded: a duplicate, one that made its datagram invalid (overlap,
    /// inconsistent end, oversize), or one that broke a rule on its own (a non-final length not a multiple of 8).
    /// </summary>
    Dropped,

    /// <summary>
    /// The frame was a whole (unfragmented) 6LoWPAN packet: <see cref="FrameResult.Datagram"/> carries it decompressed,
    /// as an IPv6 packet (<see cref="LinkType.Ipv6"/>).
    /// </summary>
    Decompressed,
}
