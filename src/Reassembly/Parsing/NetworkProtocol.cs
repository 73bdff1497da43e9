namespace Reassembly.Parsing;

/// <summary>What the link layer says it carries.</summary>
internal enum NetworkProtocol : byte
{
    /// <summary>Anything the engine does not reassemble (ARP, LLDP, ...).</summary>
    Other,
    Ipv4,
    Ipv6,
}
