using Reassembly.Tests.Helpers;

namespace Reassembly.Tests.Namespaces;

/// <summary>Namespaces never mix fragments, are created on first use, and report their own counters.</summary>
public sealed class NamespaceTests
{
    private static readonly byte[] Data = PacketBuilder.Payload(64, seed: 5);

    private static byte[] First => PacketBuilder.Ethernet(0x0800, PacketBuilder.Ipv4(Data.AsSpan(0, 32), 0, moreFragments: true, id: 0x4242));

    private static byte[] Last => PacketBuilder.Ethernet(0x0800, PacketBuilder.Ipv4(Data.AsSpan(32), 32, moreFragments: false, id: 0x4242));

    [Fact]
    public void Without_a_selector_the_halves_of_one_datagram_on_two_interfaces_are_joined()
    {
        var engine = ReassemblyEngine.Create();

        Assert.Equal(FrameDisposition.Held, engine.Process(First, LinkType.Ethernet, 1, interfaceId: 0).Disposition);
        FrameResult last = engine.Process(Last, LinkType.Ethernet, 2, interfaceId: 1);

        Assert.Equal(FrameDisposition.Reassembled, last.Disposition);
        last.Datagram!.Dispose();
        NamespaceStatistics only = Assert.Single(engine.GetStatistics().Namespaces);
        Assert.Equal("default", only.Name);
        Assert.Equal(1, only.Ipv4.ReasmOKs);
    }

    [Fact]
    public void By_interface_the_same_addresses_and_id_on_two_interfaces_never_mix()
    {
        var engine = ReassemblyEngine.Create(new ReassemblyOptions { NamespaceBy = NamespaceSelector.Interface });

        Assert.Equal(FrameDisposition.Held, engine.Process(First, LinkType.Ethernet, 1, interfaceId: 0).Disposition);
        Assert.Equal(FrameDisposition.Held, engine.Process(Last, LinkType.Ethernet, 2, interfaceId: 1).Disposition);
        FrameResult completed = engine.Process(Last, LinkType.Ethernet, 3, interfaceId: 0);

        Assert.Equal(FrameDisposition.Reassembled, completed.Disposition);
        Assert.Equal(0, completed.Datagram!.InterfaceId);
        completed.Datagram.Dispose();
        ReassemblyStatistics statistics = engine.GetStatistics();
        Assert.Equal(["interface=0", "interface=1"], statistics.Namespaces.Select(n => n.Name));
        Assert.Equal([1L, 0L], statistics.Namespaces.Select(n => n.Ipv4.ReasmOKs));
        Assert.Equal([2L, 1L], statistics.Namespaces.Select(n => n.Ipv4.ReasmReqds));
        Assert.Equal(1, statistics.Namespaces[1].QueuesInUse);
        Assert.Equal(3, statistics.Ipv4.ReasmReqds);

        engine.ExpireAll();
        Assert.Equal(1, engine.GetStatistics().Namespaces[1].Ipv4.ReasmTimeout);
        Assert.Equal(0, engine.QueuesInUse);
    }

    [Fact]
    public void By_vlan_each_outer_vlan_and_the_untagged_frames_get_a_namespace_of_their_own()
    {
        var engine = ReassemblyEngine.Create(new ReassemblyOptions { NamespaceBy = NamespaceSelector.Vlan });
        byte[] packet = PacketBuilder.Ipv4Whole(Data);

        engine.Process(PacketBuilder.Ethernet(0x0800, packet, 100), LinkType.Ethernet, 1);
        engine.Process(PacketBuilder.Ethernet(0x0800, packet, 100, 7), LinkType.Ethernet, 2);
        engine.Process(PacketBuilder.Ethernet(0x0800, packet), LinkType.Ethernet, 3);
        engine.Process(PacketBuilder.Ethernet(0x0800, packet, 200), LinkType.Ethernet, 4);

        ReassemblyStatistics statistics = engine.GetStatistics();
        Assert.Equal(["vlan=100", "vlan=untagged", "vlan=200"], statistics.Namespaces.Select(n => n.Name));
        Assert.Equal([2L, 1L, 1L], statistics.Namespaces.Select(n => n.Ipv4.NotFragmented));
        Assert.Equal([100, (int?)null, 200], statistics.Namespaces.Select(n => n.VlanId));
    }

    [Fact]
    public void By_vlan_and_interface_both_must_match()
    {
        var engine = ReassemblyEngine.Create(new ReassemblyOptions { NamespaceBy = NamespaceSelector.VlanAndInterface });
        byte[] first = PacketBuilder.Ethernet(0x0800, PacketBuilder.Ipv4(Data.AsSpan(0, 32), 0, moreFragments: true, id: 7), 10);
        byte[] last = PacketBuilder.Ethernet(0x0800, PacketBuilder.Ipv4(Data.AsSpan(32), 32, moreFragments: false, id: 7), 10);

        engine.Process(first, LinkType.Ethernet, 1, interfaceId: 3);
        Assert.Equal(FrameDisposition.Held, engine.Process(last, LinkType.Ethernet, 2, interfaceId: 4).Disposition);
        FrameResult done = engine.Process(last, LinkType.Ethernet, 3, interfaceId: 3);

        Assert.Equal(FrameDisposition.Reassembled, done.Disposition);
        done.Datagram!.Dispose();
        Assert.Equal(["interface=3,vlan=10", "interface=4,vlan=10"], engine.GetStatistics().Namespaces.Select(n => n.Name));
    }

    [Fact]
    public void A_removed_namespace_drops_its_queues_uncounted_and_comes_back_empty_on_its_next_frame()
    {
        var engine = ReassemblyEngine.Create(new ReassemblyOptions { NamespaceBy = NamespaceSelector.Interface });
        engine.Process(First, LinkType.Ethernet, 1, interfaceId: 1);
        engine.Process(First, LinkType.Ethernet, 2, interfaceId: 2);

        Assert.True(engine.RemoveNamespace("interface=1"));
        Assert.False(engine.RemoveNamespace("interface=1"));

        ReassemblyStatistics statistics = engine.GetStatistics();
        Assert.Equal(["interface=2"], statistics.Namespaces.Select(n => n.Name));
        Assert.Equal(1, engine.QueuesInUse);
        Assert.Equal(0, statistics.Ipv4.ReasmFails);
        Assert.Equal(0, statistics.Ipv4.ReasmTimeout);

        // The first fragment went with the namespace: the last one alone is held in a new namespace.
        Assert.Equal(FrameDisposition.Held, engine.Process(Last, LinkType.Ethernet, 3, interfaceId: 1).Disposition);
        FrameResult other = engine.Process(Last, LinkType.Ethernet, 4, interfaceId: 2);
        Assert.Equal(FrameDisposition.Reassembled, other.Disposition);
        other.Datagram!.Dispose();
        Assert.Equal(["interface=2", "interface=1"], engine.GetStatistics().Namespaces.Select(n => n.Name));
    }

    [Fact]
    public void Reset_keeps_the_namespaces_but_zeroes_their_counters()
    {
        var engine = ReassemblyEngine.Create(new ReassemblyOptions { NamespaceBy = NamespaceSelector.Interface });
        engine.Process(First, LinkType.Ethernet, 1, interfaceId: 2);

        engine.Reset();

        NamespaceStatistics ns = Assert.Single(engine.GetStatistics().Namespaces);
        Assert.Equal(0, ns.Ipv4.ReasmReqds);
        Assert.Equal(0, ns.QueuesInUse);
    }
}
