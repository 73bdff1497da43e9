namespace Reassembly.Parsing;

/// <summary>What the link layer of a frame carries, as far as the engine is concerned.</summary>
internal enum FrameClass : byte
{
    /// <summary>The frame ends inside its link-layer header, or its link type is not one the engine decodes.</summary>
    LinkError,

    /// <summary>Neither IPv4 nor IPv6 (ARP, LLDP, ...).</summary>
    NotIp,

    Ipv4,

    Ipv6,

    /// <summary>An IEEE 802.15.4 frame (link types 195, 215, 230), 6LoWPAN or not.</summary>
    Lowpan,
}
