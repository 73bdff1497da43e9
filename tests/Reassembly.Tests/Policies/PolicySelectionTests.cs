using System.Net;
using Reassembly.Tests.Helpers;

namespace Reassembly.Tests.Policies;

/// <summary>Which policy a datagram gets: the family defaults, the IPv6 override, the longest matching route.</summary>
public sealed class PolicySelectionTests
{
    private static readonly byte[] Overlapping = PacketBuilder.Payload(48);

    [Fact]
    public void TheLongestMatchingRouteWinsOverShorterOnesAndTheDefault()
    {
        var sink = new RecordingSink();
        var options = new ReassemblyOptions
        {
            OverlapPolicy = OverlapPolicy.First,
            PolicyRoutes =
            [
                new(IPNetwork.Parse("198.51.0.0/16"), OverlapPolicy.Windows),
                new(IPNetwork.Parse("198.51.100.0/24"), OverlapPolicy.Solaris),
                new(IPNetwork.Parse("0.0.0.0/0"), OverlapPolicy.Last),
                new(IPNetwork.Parse("2001:db8::/32"), OverlapPolicy.Bsd),
            ],
            AnomalySink = sink,
        };

        Assert.Equal(OverlapPolicy.Solaris, PolicyOfAnOverlapTo(options, sink, ipv6: false));
        Assert.Equal(OverlapPolicy.Bsd, PolicyOfAnOverlapTo(options, sink, ipv6: true));
    }

    [Fact]
    public void WithoutRoutesIpv6FollowsThePolicyUnlessOverridden()
    {
        var sink = new RecordingSink();
        Assert.Equal(OverlapPolicy.Linux, PolicyOfAnOverlapTo(new ReassemblyOptions { OverlapPolicy = OverlapPolicy.Linux, AnomalySink = sink }, sink, ipv6: true));
        Assert.Equal(
            OverlapPolicy.Last,
            PolicyOfAnOverlapTo(new ReassemblyOptions { OverlapPolicy = OverlapPolicy.Linux, Ipv6OverlapPolicy = OverlapPolicy.Last, AnomalySink = sink }, sink, ipv6: true));
        Assert.Equal(
            OverlapPolicy.Linux,
            PolicyOfAnOverlapTo(new ReassemblyOptions { OverlapPolicy = OverlapPolicy.Linux, Ipv6OverlapPolicy = OverlapPolicy.Last, AnomalySink = sink }, sink, ipv6: false));
    }

    [Fact]
    public void ANamespacePolicyReplacesTheDefaultsInsideItsNamespaceButNotARoute()
    {
        var sink = new RecordingSink();
        var options = new ReassemblyOptions
        {
            NamespaceBy = NamespaceSelector.Vlan,
            OverlapPolicy = OverlapPolicy.First,
            NamespacePolicies = new Dictionary<string, OverlapPolicy> { ["vlan=10"] = OverlapPolicy.Last, ["vlan=30"] = OverlapPolicy.Bsd },
            PolicyRoutes = [new(IPNetwork.Parse("198.51.100.0/24"), OverlapPolicy.Windows)],
            AnomalySink = sink,
        };
        var harness = new EngineHarness(options);

        foreach (ushort vlan in new ushort[] { 10, 20 })
        {
            harness.FeedIpv4(PacketBuilder.Ipv4(Overlapping[..32], 0, true), vlan);
            harness.FeedIpv4(PacketBuilder.Ipv4(Overlapping[16..40], 16, true), vlan);
            harness.FeedIpv6(PacketBuilder.Ipv6Fragment(Overlapping[..32], 0, true), vlan);
            harness.FeedIpv6(PacketBuilder.Ipv6Fragment(Overlapping[16..40], 16, true), vlan);
        }

        List<AnomalyEvent> overlaps = sink.OfKind(AnomalyKind.Overlap);
        Assert.Equal(["vlan=10", "vlan=10", "vlan=20", "vlan=20"], overlaps.Select(e => e.Namespace));

        // IPv4 goes to 198.51.100.0/24, which the route covers in every namespace; IPv6 falls to the namespace or default.
        Assert.Equal(
            [(IpFamily.Ipv4, OverlapPolicy.Windows), (IpFamily.Ipv6, OverlapPolicy.Last), (IpFamily.Ipv4, OverlapPolicy.Windows), (IpFamily.Ipv6, OverlapPolicy.First)],
            overlaps.Select(e => (e.Family, e.Policy)));
    }

    [Fact]
    public void EveryPolicyNameParsesBackToItsPolicy()
    {
        foreach (OverlapPolicy policy in Enum.GetValues<OverlapPolicy>())
        {
            Assert.True(OverlapPolicyNames.TryParse(OverlapPolicyNames.ToName(policy), out OverlapPolicy parsed));
            Assert.Equal(policy, parsed);
        }

        Assert.False(OverlapPolicyNames.TryParse("Linux", out _));
        Assert.Equal(["linux-modern", "first", "last", "bsd", "bsd-right", "linux", "windows", "solaris"], OverlapPolicyNames.All);
    }

    private static OverlapPolicy PolicyOfAnOverlapTo(ReassemblyOptions options, RecordingSink sink, bool ipv6)
    {
        sink.Events.Clear();
        var harness = new EngineHarness(options);
        if (ipv6)
        {
            harness.FeedIpv6(PacketBuilder.Ipv6Fragment(Overlapping[..32], 0, true));
            harness.FeedIpv6(PacketBuilder.Ipv6Fragment(Overlapping[16..40], 16, true));
        }
        else
        {
            harness.FeedIpv4(PacketBuilder.Ipv4(Overlapping[..32], 0, true));
            harness.FeedIpv4(PacketBuilder.Ipv4(Overlapping[16..40], 16, true));
        }

        return Assert.Single(sink.OfKind(AnomalyKind.Overlap)).Policy;
    }
}
