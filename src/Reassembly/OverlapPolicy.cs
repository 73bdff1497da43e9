namespace Reassembly;

/// <summary>
/// How a reassembler treats fragments that overlap data it already holds: today's Linux, or one of the target-based
/// policies of Novak's "Target-Based Fragmentation Reassembly" (2005) as Snort's frag3 and Suricata's defrag implement
/// them. An IDS picks the policy of the host behind it, so that it sees the bytes that host will see.
/// </summary>
/// <remarks>
/// For the target policies, "old" is data held from earlier fragments and "new" the arriving fragment; each policy
/// decides, for every held piece the new fragment overlaps, which bytes survive (see ARCHITECTURE.md for the table).
/// <see cref="OverlapPolicyNames"/> gives the command-line names.
/// </remarks>
public enum OverlapPolicy
{
    /// <summary>
    /// Today's Linux (<c>inet_frag_queue_insert</c>): a fragment lying wholly inside one run of held data is a
    /// duplicate and ignored; any other overlap drops the whole datagram (RFC 5722 for IPv6). The default.
    /// </summary>
    LinuxModern,

    /// <summary>Old data always wins (Suricata maps HP-UX 11, Mac OS and old Solaris here).</summary>
    First,

    /// <summary>New data always wins (frag3 names Cisco IOS).</summary>
    Last,

    /// <summary>New data wins only over held pieces that begin after the new fragment begins (4.4BSD <c>ip_reass</c>; frag3 and Suricata map AIX, FreeBSD, HP-UX 10 and IRIX here).</summary>
    Bsd,

    /// <summary>
    /// New data wins over held pieces it reaches past the end of, or that it covers from an equal or lower offset
    /// (HP JetDirect; frag3's "bsd-right").
    /// </summary>
    BsdRight,

    /// <summary>Classic Linux (2.4/2.6 <c>ip_fragment.c</c>): new data wins over held pieces that begin at or after the new fragment's offset.</summary>
    Linux,

    /// <summary>Old data wins unless the new fragment begins before a held piece and ends after it (Windows; Suricata maps Vista and 2003 here too).</summary>
    Windows,

    /// <summary>Old data wins unless the new fragment begins before a held piece and ends at or after its end (Solaris).</summary>
    Solaris,
}
