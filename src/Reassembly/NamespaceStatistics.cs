namespace Reassembly;

/// <summary>A snapshot of one namespace's counters.</summary>
public sealed record NamespaceStatistics
{
    /// <summary>
    /// The namespace's name: <c>default</c> without a selector, else <c>vlan=N</c> (<c>vlan=untagged</c>),
    /// <c>interface=N</c>, or <c>interface=N,vlan=M</c>.
    /// </summary>
    public required string Name { get; init; }

    /// <summary>The outer VLAN ID the namespace stands for, or null (untagged, or not selected by VLAN).</summary>
    public int? VlanId { get; init; }

    /// <summary>The capture interface the namespace stands for, or null when not selected by interface.</summary>
    public int? InterfaceId { get; init; }

    /// <summary>IPv4 counters of the namespace.</summary>
    public required FamilyStatistics Ipv4 { get; init; }

    /// <summary>IPv6 counters of the namespace.</summary>
    public required FamilyStatistics Ipv6 { get; init; }

    /// <summary>6LoWPAN counters of the namespace.</summary>
    public FamilyStatistics Lowpan { get; init; } = new();

    /// <summary>Incomplete datagrams the namespace holds.</summary>
    public int QueuesInUse { get; init; }

    /// <summary>Fragment memory (truesize bytes) the namespace's incomplete datagrams hold now.</summary>
    public long MemoryBytes { get; init; }

    /// <summary>The most fragment memory the namespace held: exact with one worker, with several the sum of the workers' own peaks (an upper bound).</summary>
    public long PeakMemoryBytes { get; init; }
}
