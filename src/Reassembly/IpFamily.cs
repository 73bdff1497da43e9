namespace Reassembly;

/// <summary>The network-layer families the engine reassembles.</summary>
public enum IpFamily
{
    /// <summary>IPv4 (RFC 791).</summary>
    Ipv4 = 4,

    /// <summary>IPv6 (RFC 8200).</summary>
    Ipv6 = 6,

    /// <summary>
    /// 6LoWPAN over IEEE 802.15.4 (RFC 4944, RFC 6282): fragments reassembled into IPv6 packets. Counted apart from
    /// <see cref="Ipv6"/>; the datagrams it produces are IPv6.
    /// </summary>
    Lowpan = 154,
}
