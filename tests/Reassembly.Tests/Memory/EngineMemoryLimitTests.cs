using System.Buffers.Binary;
using Reassembly.Memory;
using Reassembly.Protocols;
using Reassembly.Tests.Helpers;
using Xunit.Abstractions;

namespace Reassembly.Tests.Memory;

/// <summary>
/// The memory accountant wired into the engine (issue 5): every queue's truesize is charged to its namespace and the
/// global account, evict mode keeps a namespace under its thresholds (a flooding source losing its own queues first),
/// refuse mode refuses new datagrams at the limit, and every dropped datagram is counted.
/// </summary>
public sealed class EngineMemoryLimitTests(ITestOutputHelper output)
{
    private const long High = 256 * 1024;
    private const long Low = 192 * 1024;

    // A limit is passed by at most one fold (an eighth of the band, at most 64 KiB) plus one queue's growth.
    private static readonly long Slack = Math.Min((High - Low) / 8, WorkerNamespaceMemory.MaxFoldBytes)
        + TrueSize.QueueOverheadBytes + TrueSize.OfBuffer(DatagramBufferPool.Headroom + DatagramBufferPool.LargestPayloadCapacity) + TrueSize.FragmentOverheadBytes;

    private static readonly byte[] Data = PacketBuilder.Payload(2048, seed: 5);

    [Fact]
    public void A_flood_of_never_completing_fragments_stays_under_the_high_threshold_and_every_queue_is_counted()
    {
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var harness = new EngineHarness(new ReassemblyOptions { MemoryHighThresholdBytes = High, MemoryLowThresholdBytes = Low });
        const int Fragments = 5000;
        long peakSeen = 0;
        for (int i = 0; i < Fragments; i++)
        {
            uint source = (uint)random.Next();
            harness.FeedIpv4(FromSource(PacketBuilder.Ipv4(Data.AsSpan(0, 64), 8 * random.Next(1, 100), moreFragments: true, id: (ushort)random.Next()), source));
            peakSeen = Math.Max(peakSeen, harness.Engine.GetStatistics().Memory.UsedBytes);
        }

        ReassemblyStatistics statistics = harness.Engine.GetStatistics();
        output.WriteLine($"peak {statistics.Memory.PeakBytes} (seen {peakSeen}), evicted {statistics.Ipv4.Evicted}, held {statistics.QueuesInUse}");
        Assert.InRange(peakSeen, 1, High + Slack);
        Assert.InRange(statistics.Memory.PeakBytes, peakSeen, High + Slack);
        Assert.InRange(statistics.Namespaces[0].PeakMemoryBytes, peakSeen, High + Slack);
        Assert.True(statistics.Ipv4.Evicted > Fragments / 2, $"only {statistics.Ipv4.Evicted} evicted");
        Assert.Equal(statistics.Ipv4.Evicted, statistics.Anomalies[AnomalyKind.Eviction]);

        harness.Engine.ExpireAll();
        statistics = harness.Engine.GetStatistics();

        // Every fragment started a queue (random keys); each queue was either evicted or expired at the end.
        Assert.Equal(Fragments, statistics.Ipv4.ReasmReqds);
        Assert.Equal(Fragments, statistics.Ipv4.Evicted + statistics.Ipv4.ReasmTimeout);
        Assert.Equal(Fragments, statistics.Ipv4.ReasmFails);
        Assert.Equal(0, statistics.Ipv4.IcmpTimeExceeded);
        Assert.Equal(0, statistics.Memory.UsedBytes);
        Assert.Equal(0, statistics.Namespaces[0].MemoryBytes);
    }

    [Theory]
    [InlineData(64)]
    [InlineData(0)]
    public void Under_a_single_source_flood_the_datagrams_of_other_sources_still_reassemble(int maxDistance)
    {
        // With the peer table (max distance on) the flooding source is over its fair share and loses its own queues;
        // without it, oldest-first eviction still spares datagrams that complete young.
        var harness = new EngineHarness(new ReassemblyOptions
        {
            MemoryHighThresholdBytes = High,
            MemoryLowThresholdBytes = Low,
            Ipv4MaxDistance = maxDistance,
        });
        const uint Flooder = 0x0A000001;
        int benign = 0;
        for (int i = 0; i < 4000; i++)
        {
            harness.FeedIpv4(FromSource(PacketBuilder.Ipv4(Data.AsSpan(0, 64), 8, moreFragments: true, id: (ushort)i), Flooder));
            if (i % 10 == 0)
            {
                // A benign datagram from its own source, in two fragments with flood fragments in between.
                uint source = 0xC0000200u + (uint)(benign % 200);
                ushort id = (ushort)(benign + 1);
                harness.FeedIpv4(FromSource(PacketBuilder.Ipv4(Data.AsSpan(0, 1024), 0, moreFragments: true, id: id), source));
                harness.FeedIpv4(FromSource(PacketBuilder.Ipv4(Data.AsSpan(0, 64), 8, moreFragments: true, id: (ushort)(i + 50_000)), Flooder));
                harness.FeedIpv4(FromSource(PacketBuilder.Ipv4(Data.AsSpan(1024, 1024), 1024, moreFragments: false, id: id), source));
                benign++;
            }
        }

        ReassemblyStatistics statistics = harness.Engine.GetStatistics();
        output.WriteLine($"peak {statistics.Memory.PeakBytes}, evicted {statistics.Ipv4.Evicted}, reassembled {statistics.Ipv4.ReasmOKs} of {benign}");
        Assert.Equal(benign, statistics.Ipv4.ReasmOKs);
        Assert.Equal(benign, harness.Packets.Count);
        Assert.True(statistics.Ipv4.Evicted > 1000, $"only {statistics.Ipv4.Evicted} evicted");
        Assert.InRange(statistics.Memory.PeakBytes, 1, High + Slack);
    }

    [Fact]
    public void A_source_over_its_fair_share_loses_its_own_old_queues_before_older_queues_of_others()
    {
        var sink = new RecordingSink();
        var harness = new EngineHarness(new ReassemblyOptions { MemoryHighThresholdBytes = High, MemoryLowThresholdBytes = Low, AnomalySink = sink });

        // Old incomplete datagrams of 5 quiet sources (well within their shares), then a flood from one source.
        for (uint s = 0; s < 5; s++)
        {
            harness.FeedIpv4(FromSource(PacketBuilder.Ipv4(Data.AsSpan(0, 64), 0, moreFragments: true, id: 7), 0xC6336400u + s));
        }

        for (int i = 0; i < 200; i++)
        {
            harness.FeedIpv4(FromSource(PacketBuilder.Ipv4(Data.AsSpan(0, 64), 8, moreFragments: true, id: (ushort)i), 0x0A000001));
        }

        List<AnomalyEvent> evictions = sink.OfKind(AnomalyKind.Eviction).ToList();
        Assert.NotEmpty(evictions);
        Assert.All(evictions, e => Assert.Equal(0x0A000001u, SourceOf(e)));
        Assert.Equal(5 + 200 - evictions.Count, harness.Engine.QueuesInUse);
    }

    [Fact]
    public void Eviction_takes_the_oldest_queue_of_either_family_even_without_frame_indices()
    {
        var sink = new RecordingSink();
        using var engine = ReassemblyEngine.Create(new ReassemblyOptions
        {
            MemoryHighThresholdBytes = High,
            MemoryLowThresholdBytes = Low,
            Ipv4MaxDistance = 0,
            AnomalySink = sink,
        });
        ReassemblyWorker worker = engine.GetWorker(0);
        long clock = 1_700_000_000_000_000_000;

        // Old IPv6 queues first, then IPv4 ones, all fed as a library caller does: no frame index (-1).
        void Feed(byte[] frame)
        {
            ClassifiedFrame classified = engine.Classify(frame, LinkType.Ethernet);
            worker.Process(frame, in classified, clock, clock);
            clock++;
        }

        for (uint i = 0; i < 10; i++)
        {
            Feed(PacketBuilder.Ethernet(0x86DD, PacketBuilder.Ipv6Fragment(Data.AsSpan(0, 64), 8, moreFragments: true, id: 500 + i)));
        }

        for (int i = 0; i < 40; i++)
        {
            Feed(PacketBuilder.Ethernet(0x0800, FromSource(PacketBuilder.Ipv4(Data.AsSpan(0, 64), 8, moreFragments: true, id: (ushort)i), 0x0A000000u + (uint)i)));
        }

        List<AnomalyEvent> evictions = sink.OfKind(AnomalyKind.Eviction).ToList();
        Assert.True(evictions.Count >= 10, $"{evictions.Count} evictions");
        Assert.All(evictions.Take(10), e => Assert.Equal(IpFamily.Ipv6, e.Family));
    }

    [Fact]
    public void Refuse_mode_refuses_new_datagrams_at_the_limit_but_completes_those_it_holds()
    {
        var sink = new RecordingSink();
        var harness = new EngineHarness(new ReassemblyOptions
        {
            MemoryHighThresholdBytes = High,
            MemoryLowThresholdBytes = Low,
            MemoryMode = MemoryPressureMode.Refuse,
            AnomalySink = sink,
        });

        // A datagram started before the flood.
        harness.FeedIpv4(FromSource(PacketBuilder.Ipv4(Data.AsSpan(0, 1024), 0, moreFragments: true, id: 1), 0xC0000201));
        for (int i = 0; i < 2000; i++)
        {
            harness.FeedIpv4(FromSource(PacketBuilder.Ipv4(Data.AsSpan(0, 64), 8, moreFragments: true, id: (ushort)i), 0x0A000000u + (uint)i));
        }

        harness.FeedIpv4(FromSource(PacketBuilder.Ipv4(Data.AsSpan(1024, 1024), 1024, moreFragments: false, id: 1), 0xC0000201));
        ReassemblyStatistics statistics = harness.Engine.GetStatistics();
        output.WriteLine($"peak {statistics.Memory.PeakBytes}, refused {statistics.Ipv4.Refused}, held {statistics.QueuesInUse}");
        Assert.Single(harness.Packets);
        Assert.Equal(0, statistics.Ipv4.Evicted);
        Assert.Equal(2000 - (statistics.QueuesInUse), statistics.Ipv4.Refused);
        Assert.Equal(statistics.Ipv4.Refused, statistics.Ipv4.ReasmFails);
        Assert.Equal(statistics.Ipv4.Refused, sink.OfKind(AnomalyKind.Refusal).Count());
        Assert.InRange(statistics.Memory.PeakBytes, High - Slack, High + Slack);
    }

    [Fact]
    public void A_queue_that_times_out_holding_its_first_fragment_counts_an_icmp_time_exceeded()
    {
        var harness = new EngineHarness(new ReassemblyOptions { Ipv4Timeout = TimeSpan.FromSeconds(1) });
        long start = harness.Clock;
        harness.FeedIpv4(PacketBuilder.Ipv4(Data.AsSpan(0, 64), 0, moreFragments: true, id: 1));     // first fragment held
        harness.FeedIpv4(PacketBuilder.Ipv4(Data.AsSpan(0, 64), 64, moreFragments: true, id: 2));    // no first fragment
        harness.FeedIpv6(PacketBuilder.Ipv6Fragment(Data.AsSpan(0, 64), 0, moreFragments: true, id: 3));
        harness.Feed(PacketBuilder.Ethernet(0x0800, PacketBuilder.Ipv4Whole(Data.AsSpan(0, 8))), timestamp: start + 2_000_000_000);

        ReassemblyStatistics statistics = harness.Engine.GetStatistics();
        Assert.Equal(2, statistics.Ipv4.ReasmTimeout);
        Assert.Equal(1, statistics.Ipv4.IcmpTimeExceeded);

        // The IPv6 queue's 60 s have not passed: the end of the input expires it, and no host would have sent an ICMP.
        harness.Engine.ExpireAll();
        statistics = harness.Engine.GetStatistics();
        Assert.Equal(1, statistics.Ipv6.ReasmTimeout);
        Assert.Equal(0, statistics.Ipv6.IcmpTimeExceeded);
    }

    [Fact]
    public void Completed_datagrams_give_back_all_they_were_charged()
    {
        var harness = new EngineHarness();
        for (int i = 0; i < 500; i++)
        {
            harness.FeedIpv4(PacketBuilder.Ipv4(Data.AsSpan(0, 1024), 0, moreFragments: true, id: (ushort)i));
            Assert.True(harness.Engine.GetStatistics().Memory.UsedBytes > 0);
            harness.FeedIpv4(PacketBuilder.Ipv4(Data.AsSpan(1024, 1000), 1024, moreFragments: false, id: (ushort)i));
            Assert.Equal(0, harness.Engine.GetStatistics().Memory.UsedBytes);
        }

        ReassemblyStatistics statistics = harness.Engine.GetStatistics();
        Assert.Equal(500, statistics.Ipv4.ReasmOKs);
        Assert.Equal(TrueSize.QueueOverheadBytes + TrueSize.OfBuffer(DatagramBufferPool.Headroom + 8192) + TrueSize.FragmentOverheadBytes, statistics.Memory.PeakBytes);
    }

    [Fact]
    public void Reset_and_removing_a_namespace_give_back_all_memory()
    {
        var harness = new EngineHarness(new ReassemblyOptions { NamespaceBy = NamespaceSelector.Vlan });
        for (int i = 0; i < 100; i++)
        {
            harness.FeedIpv4(PacketBuilder.Ipv4(Data.AsSpan(0, 64), 0, moreFragments: true, id: (ushort)i), 10);
            harness.FeedIpv4(PacketBuilder.Ipv4(Data.AsSpan(0, 64), 0, moreFragments: true, id: (ushort)i), 20);
        }

        ReassemblyStatistics statistics = harness.Engine.GetStatistics();
        long perQueue = TrueSize.QueueOverheadBytes + TrueSize.OfBuffer(DatagramBufferPool.Headroom + 8192) + TrueSize.FragmentOverheadBytes;
        Assert.Equal(200 * perQueue, statistics.Memory.UsedBytes);
        Assert.All(statistics.Namespaces, ns => Assert.Equal(100 * perQueue, ns.MemoryBytes));

        Assert.True(harness.Engine.RemoveNamespace("vlan=10"));
        statistics = harness.Engine.GetStatistics();
        Assert.Equal(100 * perQueue, statistics.Memory.UsedBytes);

        harness.Engine.Reset();
        statistics = harness.Engine.GetStatistics();
        Assert.Equal(0, statistics.Memory.UsedBytes);
        Assert.Equal(0, statistics.Memory.PeakBytes);
        Assert.All(statistics.Namespaces, ns => Assert.Equal(0, ns.PeakMemoryBytes));
    }

    private static uint SourceOf(AnomalyEvent anomaly) => BinaryPrimitives.ReadUInt32BigEndian(anomaly.GetSourceAddress().GetAddressBytes());

    private static byte[] FromSource(byte[] packet, uint source)
    {
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(12), source);
        int headerLength = (packet[0] & 0xF) * 4;
        packet[10] = packet[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), InternetChecksum.Compute(packet.AsSpan(0, headerLength)));
        return packet;
    }
}
