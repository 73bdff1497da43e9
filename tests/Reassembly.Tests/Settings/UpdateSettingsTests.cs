using System.Net;
using Reassembly.Tests.Helpers;

namespace Reassembly.Tests.Settings;

/// <summary>
/// <see cref="ReassemblyEngine.UpdateSettings"/>: new policies and timeouts apply to datagrams that start after the
/// update; a datagram in flight finishes under the settings it started with.
/// </summary>
public sealed class UpdateSettingsTests
{
    private const long Second = 1_000_000_000;

    // A 40-byte datagram in three fragments: [0,16) then [16,32) then [24,40), which overlaps [24,32).
    private static readonly byte[] Data = PacketBuilder.Payload(40);
    private static readonly byte[] Conflicting = PacketBuilder.Payload(40, seed: 7);

    [Fact]
    public void UpdateSettings_gives_new_datagrams_the_new_policy_and_keeps_the_old_one_for_a_datagram_in_flight()
    {
        var harness = new EngineHarness(new ReassemblyOptions { OverlapPolicy = OverlapPolicy.First });
        harness.FeedIpv4(PacketBuilder.Ipv4(Data[..16], 0, true, id: 1));
        harness.FeedIpv4(PacketBuilder.Ipv4(Data[16..32], 16, true, id: 1));

        harness.Engine.UpdateSettings(new ReassemblyOptions { OverlapPolicy = OverlapPolicy.Last });

        harness.FeedIpv4(PacketBuilder.Ipv4(Conflicting[24..40], 24, false, id: 1));
        harness.FeedIpv4(PacketBuilder.Ipv4(Data[..16], 0, true, id: 2));
        harness.FeedIpv4(PacketBuilder.Ipv4(Data[16..32], 16, true, id: 2));
        harness.FeedIpv4(PacketBuilder.Ipv4(Conflicting[24..40], 24, false, id: 2));

        Assert.Equal(2, harness.Packets.Count);
        byte[] first = [.. Data[..32], .. Conflicting[32..40]];
        byte[] last = [.. Data[..24], .. Conflicting[24..40]];
        Assert.Equal(first, harness.Packets[0][20..]);
        Assert.Equal(last, harness.Packets[1][20..]);
    }

    [Fact]
    public void UpdateSettings_lowers_the_memory_limits_live_and_the_next_fold_evicts_down_to_them()
    {
        var harness = new EngineHarness();
        byte[] data = PacketBuilder.Payload(1024, seed: 3);

        // 200 datagrams of which only the first half arrives: about 1.8 MiB held, under the default 4 MiB.
        for (int id = 0; id < 200; id++)
        {
            harness.FeedIpv4(PacketBuilder.Ipv4(data[..512], 0, true, id: (ushort)id));
        }

        ReassemblyStatistics before = harness.Engine.GetStatistics();
        Assert.Equal(0, before.Ipv4.Evicted);
        Assert.True(before.Memory.UsedBytes > 1024 * 1024, $"{before.Memory.UsedBytes} bytes held");

        harness.Engine.UpdateSettings(new ReassemblyOptions { MemoryHighThresholdBytes = 512 * 1024, MemoryLowThresholdBytes = 384 * 1024 });

        // Workers fold their usage into the shared accounts in batches (an eighth of the new band, 16 KiB): a few new
        // datagrams make one, and the fold finds the namespace over the new threshold.
        for (int id = 1000; id < 1004; id++)
        {
            harness.FeedIpv4(PacketBuilder.Ipv4(data[..512], 0, true, id: (ushort)id));
        }

        ReassemblyStatistics after = harness.Engine.GetStatistics();
        Assert.True(after.Ipv4.Evicted > 0, "the lowered threshold evicts at the next fold");
        Assert.InRange(after.Memory.UsedBytes, 1, 512 * 1024);
        Assert.Equal(512 * 1024, after.Memory.HighThresholdBytes);

        // And a switch to refuse mode refuses the next new datagram while the namespace is at its threshold.
        harness.Engine.UpdateSettings(new ReassemblyOptions { MemoryHighThresholdBytes = 1, MemoryLowThresholdBytes = 0, MemoryMode = Reassembly.Memory.MemoryPressureMode.Refuse });
        Assert.Equal(FrameDisposition.Dropped, harness.FeedIpv4(PacketBuilder.Ipv4(data[..512], 0, true, id: 2000)));
        Assert.Equal(1, harness.Engine.GetStatistics().Ipv4.Refused);
    }

    [Fact]
    public void UpdateSettings_replaces_routes_and_namespace_policies_for_new_datagrams()
    {
        var sink = new RecordingSink();
        var harness = new EngineHarness(new ReassemblyOptions
        {
            NamespaceBy = NamespaceSelector.Vlan,
            NamespacePolicies = new Dictionary<string, OverlapPolicy> { ["vlan=10"] = OverlapPolicy.Bsd },
            AnomalySink = sink,
        });
        harness.FeedIpv4(PacketBuilder.Ipv4(Data[..32], 0, true, id: 1), 10);
        harness.FeedIpv4(PacketBuilder.Ipv4(Data[16..40], 16, true, id: 1), 10);

        harness.Engine.UpdateSettings(new ReassemblyOptions
        {
            NamespaceBy = NamespaceSelector.Vlan,
            NamespacePolicies = new Dictionary<string, OverlapPolicy> { ["vlan=10"] = OverlapPolicy.Windows },
            PolicyRoutes = [new(IPNetwork.Parse("198.51.100.0/24"), OverlapPolicy.Solaris)],
        });

        // vlan 10: the route now wins over the namespace; vlan 20: the route too; then an IPv6 datagram in vlan 10
        // (no route for it) gets the namespace's new policy.
        harness.FeedIpv4(PacketBuilder.Ipv4(Data[..32], 0, true, id: 2), 10);
        harness.FeedIpv4(PacketBuilder.Ipv4(Data[16..40], 16, true, id: 2), 10);
        harness.FeedIpv6(PacketBuilder.Ipv6Fragment(Data[..32], 0, true, id: 3), 10);
        harness.FeedIpv6(PacketBuilder.Ipv6Fragment(Data[16..40], 16, true, id: 3), 10);

        Assert.Equal(
            [OverlapPolicy.Bsd, OverlapPolicy.Solaris, OverlapPolicy.Windows],
            sink.OfKind(AnomalyKind.Overlap).Select(e => e.Policy));
    }

    [Fact]
    public void UpdateSettings_with_a_shorter_timeout_expires_a_new_datagram_before_an_older_one_armed_with_the_longer_timeout()
    {
        var harness = new EngineHarness(new ReassemblyOptions { Ipv4Timeout = TimeSpan.FromSeconds(30) });
        long start = harness.Clock;
        harness.Feed(PacketBuilder.Ethernet(0x0800, PacketBuilder.Ipv4(Data[..16], 0, true, id: 1)), timestamp: start);

        harness.Engine.UpdateSettings(new ReassemblyOptions { Ipv4Timeout = TimeSpan.FromSeconds(5) });
        harness.Feed(PacketBuilder.Ethernet(0x0800, PacketBuilder.Ipv4(Data[..16], 0, true, id: 2)), timestamp: start + Second);

        // At 7 s only the second (5 s from 1 s) is due; the first keeps its 30 s.
        harness.Engine.GetWorker(0).AdvanceClock(start + (7 * Second));
        Assert.Equal(1, harness.Engine.GetStatistics().Ipv4.ReasmTimeout);
        Assert.Equal(1, harness.Engine.QueuesInUse);

        harness.Engine.GetWorker(0).AdvanceClock(start + (30 * Second));
        Assert.Equal(2, harness.Engine.GetStatistics().Ipv4.ReasmTimeout);
        Assert.Equal(0, harness.Engine.QueuesInUse);
    }

    [Fact]
    public void UpdateSettings_rejects_a_bad_setting_and_keeps_the_running_ones()
    {
        var harness = new EngineHarness(new ReassemblyOptions { OverlapPolicy = OverlapPolicy.First });
        Assert.Throws<ArgumentOutOfRangeException>(() => harness.Engine.UpdateSettings(new ReassemblyOptions { Ipv4Timeout = TimeSpan.Zero, OverlapPolicy = OverlapPolicy.Last }));

        harness.FeedIpv4(PacketBuilder.Ipv4(Data[..16], 0, true, id: 1));
        harness.FeedIpv4(PacketBuilder.Ipv4(Data[16..32], 16, true, id: 1));
        harness.FeedIpv4(PacketBuilder.Ipv4(Conflicting[24..40], 24, false, id: 1));
        Assert.Equal([.. Data[..32], .. Conflicting[32..40]], harness.Packets[0][20..]);
    }

    [Fact]
    public void UpdateSettings_runs_concurrently_with_processing_and_every_datagram_gets_one_of_the_published_policies()
    {
        // Bounded: a fixed number of datagrams on this thread while another thread flips the policy.
        var sink = new RecordingSink();
        var harness = new EngineHarness(new ReassemblyOptions { OverlapPolicy = OverlapPolicy.First, AnomalySink = sink });
        using var stop = new CancellationTokenSource();
        var flipper = new Thread(() =>
        {
            for (int i = 0; i < 100_000 && !stop.IsCancellationRequested; i++)
            {
                harness.Engine.UpdateSettings(new ReassemblyOptions { OverlapPolicy = i % 2 == 0 ? OverlapPolicy.Last : OverlapPolicy.First, AnomalySink = sink });
            }
        });
        flipper.Start();
        const int Datagrams = 2000;
        for (int id = 1; id <= Datagrams; id++)
        {
            harness.FeedIpv4(PacketBuilder.Ipv4(Data[..16], 0, true, id: (ushort)id));
            harness.FeedIpv4(PacketBuilder.Ipv4(Data[16..32], 16, true, id: (ushort)id));
            harness.FeedIpv4(PacketBuilder.Ipv4(Conflicting[24..40], 24, false, id: (ushort)id));
        }

        stop.Cancel();
        flipper.Join();
        Assert.Equal(Datagrams, harness.Packets.Count);
        byte[] first = [.. Data[..32], .. Conflicting[32..40]];
        byte[] last = [.. Data[..24], .. Conflicting[24..40]];
        // The policy each datagram reported its overlap under is the one its bytes were resolved by.
        var policyOf = new Dictionary<long, OverlapPolicy>();
        foreach (AnomalyEvent overlap in sink.OfKind(AnomalyKind.Overlap))
        {
            policyOf[overlap.Identification] = overlap.Policy;
        }

        int lastCount = 0;
        for (int i = 0; i < Datagrams; i++)
        {
            byte[] data = harness.Packets[i][20..];
            byte[] expected = policyOf[i + 1] == OverlapPolicy.Last ? last : first;
            Assert.True(data.AsSpan().SequenceEqual(expected), $"datagram {i + 1} was not reassembled by the policy it reported ({policyOf[i + 1]})");
            lastCount += policyOf[i + 1] == OverlapPolicy.Last ? 1 : 0;
        }

        Console.WriteLine($"{lastCount} of {Datagrams} datagrams under 'last'");
    }
}
