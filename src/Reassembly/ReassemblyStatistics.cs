using System.Collections.Generic;
namespace Reassembly;

/// <summary>A snapshot of an engine's counters.</summary>
public sealed record ReassemblyStatistics
{
    /// <summary>Every frame given to the engine.</summary>
    public long Frames { get; init; }

    /// <summary>Frames whose link layer carries neither IPv4 nor IPv6 (ARP, LLDP, ...), passed through.</summary>
    public long NotIp { get; init; }

    /// <summary>Frames that end inside their link-layer header, or whose link type the engine cannot decode.</summary>
    public long LinkErrors { get; init; }

    /// <summary>IPv4 counters.</summary>
    public required FamilyStatistics Ipv4 { get; init; }

    /// <summary>IPv6 counters.</summary>
    public required FamilyStatistics Ipv6 { get; init; }

    /// <summary>6LoWPAN counters: every IEEE 802.15.4 frame, its fragments and its decompressed packets.</summary>
    public FamilyStatistics Lowpan { get; init; } = new();

    /// <summary>Incomplete datagrams currently held.</summary>
    public int QueuesInUse { get; init; }

    /// <summary>Per namespace, in the order they were created; the family totals above are their sums.</summary>
    public IReadOnlyList<NamespaceStatistics> Namespaces { get; init; } = [];

    /// <summary>Anomalies reported, per kind.</summary>
    public required AnomalyStatistics Anomalies { get; init; }

    /// <summary>Fragment memory over every namespace, and the limits in force.</summary>
    public MemoryStatistics Memory { get; init; } = new();
}
