namespace Reassembly;

/// <summary>
/// Link-layer header types, numbered as in the tcpdump.org LINKTYPE_ registry that pcap and pcapng share.
/// </summary>
/// <remarks>
/// Only the types the engine can decode are named; any other value may still be carried through a capture
/// (its frames are passed through untouched and counted as not IP).
/// </remarks>
public enum LinkType
{
    /// <summary>BSD loopback (DLT_NULL): a 4-byte address family in the capturing host's byte order.</summary>
    Null = 0,

    /// <summary>Ethernet II, with any number of 802.1Q / 802.1ad tags.</summary>
    Ethernet = 1,

    /// <summary>Raw IP, version taken from the first nibble (LINKTYPE_RAW).</summary>
    Raw = 101,

    /// <summary>OpenBSD loopback (DLT_LOOP): a 4-byte address family in network byte order.</summary>
    Loop = 108,

    /// <summary>Linux cooked capture v1 (16-byte header).</summary>
    LinuxSll = 113,

    /// <summary>IEEE 802.15.4 with FCS.</summary>
    Ieee802154WithFcs = 195,

    /// <summary>IEEE 802.15.4 with TAP header.</summary>
    Ieee802154Tap = 215,

    /// <summary>Raw IPv4.</summary>
    Ipv4 = 228,

    /// <summary>Raw IPv6.</summary>
    Ipv6 = 229,

    /// <summary>IEEE 802.15.4 without FCS.</summary>
    Ieee802154NoFcs = 230,

    /// <summary>Linux cooked capture v2 (20-byte header).</summary>
    LinuxSll2 = 276,
}
