namespace Reassembly;

/// <summary>The network-layer families the engine reassembles.</summary>
public enum IpFamily
{
    /// <summary>IPv4 (RFC 791).</summary>
    Ipv4 = 4,

    /// <summary>IPv6 (RFC 8200).</summary>
    Ipv6 = 6,
}
