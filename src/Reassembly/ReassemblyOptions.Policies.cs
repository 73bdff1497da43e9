using System.Collections.Generic;

namespace Reassembly;

// The IDS settings: overlap policies, fragment limit and the anomaly sink (issue 6), kept apart from the Linux ones.
public sealed partial class ReassemblyOptions
{
    /// <summary>The overlap policy for datagrams no <see cref="PolicyRoutes"/> entry covers, IPv4 and IPv6 alike.</summary>
    /// <remarks>
    /// Defaults to <see cref="Reassembly.OverlapPolicy.LinuxModern"/>, today's Linux. A target policy on IPv6 shows
    /// what an old stack would accept, although RFC 5722 forbids overlaps there.
    /// </remarks>
    public OverlapPolicy OverlapPolicy { get; init; } = OverlapPolicy.LinuxModern;

    /// <summary>Overrides <see cref="OverlapPolicy"/> for IPv6 datagrams no route covers.</summary>
    /// <remarks>Defaults to null: IPv6 follows <see cref="OverlapPolicy"/>.</remarks>
    public OverlapPolicy? Ipv6OverlapPolicy { get; init; }

    /// <summary>
    /// Per-destination policies (Suricata's <c>host-os-policy</c>): the route with the longest prefix holding a
    /// datagram's destination decides, whatever the family defaults say. The policy is chosen when a datagram's first
    /// fragment arrives and kept for that datagram.
    /// </summary>
    /// <remarks>Defaults to none. Looked up once per new datagram, linearly: keep the list to hundreds, not millions.</remarks>
    public IReadOnlyList<OverlapPolicyRoute> PolicyRoutes { get; init; } = [];

    /// <summary>
    /// Per-namespace policies, by namespace name (<c>vlan=100</c>, <c>interface=2</c>, <c>interface=2,vlan=100</c>, see
    /// <see cref="NamespaceStatistics.Name"/>): the policy of every datagram in that namespace that no
    /// <see cref="PolicyRoutes"/> entry covers, IPv4 and IPv6 alike, in place of the family defaults.
    /// </summary>
    /// <remarks>
    /// Defaults to none. Read once, when a namespace is created; <see cref="ReassemblyEngine.UpdateSettings"/> replaces
    /// them for every namespace (datagrams in flight keep their policy).
    /// </remarks>
    public IReadOnlyDictionary<string, OverlapPolicy> NamespacePolicies { get; init; } = new Dictionary<string, OverlapPolicy>();

    /// <summary>
    /// The most fragments one datagram may be made of; the fragment past it drops the datagram with a
    /// <see cref="AnomalyKind.TooManyFragments"/> anomaly. Fragments ignored as duplicates do not count.
    /// </summary>
    /// <remarks>
    /// Defaults to 8192: 65535 bytes in 8-byte fragments, the most a datagram without overlaps can need, so that
    /// linux-modern behaves exactly as Linux (which has no such cap). It need not be lower to be safe: under
    /// linux-modern each fragment costs O(log n) whatever the order (the runs and the arrival log are
    /// <see cref="Core.BlockedRangeList{T}"/>s), and each is charged 96 bytes of truesize, so a datagram at the cap
    /// holds about 0.85 MiB against its namespace's memory limit. Under a target policy, overlapping fragments are
    /// kept and a fragment walks the pieces it overlaps, so without a bound one datagram could hold a sender's whole
    /// flood and cost time on every insert; an IDS replaying hostile traffic under a target policy may want 1024.
    /// </remarks>
    public int MaxFragmentsPerDatagram { get; init; } = 8192;

    /// <summary>Receives every anomaly, synchronously. Null (the default): anomalies are only counted.</summary>
    public IAnomalySink? AnomalySink { get; init; }

    private void ValidatePolicies()
    {
        if (!Enum.IsDefined(OverlapPolicy) || (Ipv6OverlapPolicy is { } ipv6 && !Enum.IsDefined(ipv6)))
        {
            throw new ArgumentOutOfRangeException(nameof(ReassemblyOptions), "Unknown overlap policy.");
        }

        if (MaxFragmentsPerDatagram < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ReassemblyOptions), "MaxFragmentsPerDatagram must be at least 1.");
        }

        foreach (OverlapPolicyRoute route in PolicyRoutes)
        {
            if (route is null || !Enum.IsDefined(route.Policy))
            {
                throw new ArgumentOutOfRangeException(nameof(ReassemblyOptions), "A policy route is null or names an unknown policy.");
            }
        }
    }
}
