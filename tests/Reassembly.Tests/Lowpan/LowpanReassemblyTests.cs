using System.Net;
using Reassembly.Tests.Helpers;
using Xunit.Abstractions;
using static Reassembly.Tests.Lowpan.LowpanFrames;

namespace Reassembly.Tests.Lowpan;

/// <summary>
/// RFC 4944 reassembly through the engine: each case builds its IPv6 packet whole, sends it compressed and fragmented
/// in IEEE 802.15.4 frames, and compares the engine's datagram with the packet byte for byte.
/// </summary>
public sealed class LowpanReassemblyTests(ITestOutputHelper output)
{
    private static readonly Address Source = Address.Short(0x0001);
    private static readonly Address Destination = Address.Extended(0x00005EEF10000002);

    [Fact]
    public void Fragments_in_order_give_the_uncompressed_packet()
    {
        (byte[] packet, List<byte[]> frames) = Datagram(tag: 1, payload: 300);
        var harness = new EngineHarness();

        FrameDisposition[] dispositions = frames.Select(f => harness.Feed(f, LinkType.Ieee802154WithFcs)).ToArray();

        Assert.Equal([FrameDisposition.Held, FrameDisposition.Held, FrameDisposition.Held, FrameDisposition.Reassembled], dispositions);
        Assert.Equal(packet, Assert.Single(harness.Packets));
        ReassemblyStatistics statistics = harness.Engine.GetStatistics();
        Assert.Equal(4, statistics.Lowpan.ReasmReqds);
        Assert.Equal(1, statistics.Lowpan.ReasmOKs);
        Assert.Equal(4, statistics.Lowpan.Frames);
        Assert.Equal(0, statistics.Ipv6.Frames);
    }

    [Fact]
    public void Fragments_in_any_order_give_the_uncompressed_packet()
    {
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        for (int round = 0; round < 50; round++)
        {
            (byte[] packet, List<byte[]> frames) = Datagram(tag: (ushort)round, payload: random.Next(100, 900), elideChecksum: round % 2 == 0);
            random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(frames));
            var harness = new EngineHarness();
            foreach (byte[] frame in frames)
            {
                harness.Feed(frame, LinkType.Ieee802154WithFcs);
            }

            Assert.Equal(packet, Assert.Single(harness.Packets));
        }
    }

    [Fact]
    public void A_duplicate_fragment_is_ignored_and_the_datagram_completes()
    {
        (byte[] packet, List<byte[]> frames) = Datagram(tag: 2, payload: 200);
        var sink = new RecordingSink();
        var harness = new EngineHarness(new ReassemblyOptions { AnomalySink = sink });

        harness.Feed(frames[0], LinkType.Ieee802154WithFcs);
        harness.Feed(frames[1], LinkType.Ieee802154WithFcs);
        Assert.Equal(FrameDisposition.Dropped, harness.Feed(frames[1], LinkType.Ieee802154WithFcs));
        foreach (byte[] frame in frames[2..])
        {
            harness.Feed(frame, LinkType.Ieee802154WithFcs);
        }

        Assert.Equal(packet, Assert.Single(harness.Packets));
        AnomalyEvent duplicate = Assert.Single(sink.OfKind(AnomalyKind.Duplicate));
        Assert.Equal(IpFamily.Lowpan, duplicate.Family);
        Assert.Equal(IPAddress.Parse("fe80::ff:fe00:1"), duplicate.GetSourceAddress());
        Assert.Equal(IPAddress.Parse("fe80::200:5eef:1000:2"), duplicate.GetDestinationAddress());
        Assert.Equal(2u, duplicate.Identification);
    }

    [Fact]
    public void An_overlapping_fragment_drops_the_datagram()
    {
        (byte[] packet, List<byte[]> frames) = Datagram(tag: 3, payload: 200);
        var harness = new EngineHarness();
        harness.Feed(frames[0], LinkType.Ieee802154WithFcs);   // [0, 104)

        // [96, 200): reaches back into FRAG1's bytes, in offsets of the uncompressed datagram.
        byte[] overlapping = Mac(FragN(packet.Length, 3, 96, packet[96..200]), Source, Destination, fcs: true);

        Assert.Equal(FrameDisposition.Dropped, harness.Feed(overlapping, LinkType.Ieee802154WithFcs));
        foreach (byte[] frame in frames[1..])
        {
            harness.Feed(frame, LinkType.Ieee802154WithFcs);
        }

        Assert.Empty(harness.Packets);
        Assert.Equal(1, harness.Engine.GetStatistics().Lowpan.ReasmOverlaps);
    }

    [Fact]
    public void A_fragment_past_datagram_size_is_refused_and_another_size_is_another_datagram()
    {
        (byte[] packet, List<byte[]> frames) = Datagram(tag: 4, payload: 150);
        var sink = new RecordingSink();
        var harness = new EngineHarness(new ReassemblyOptions { AnomalySink = sink });
        harness.Feed(frames[0], LinkType.Ieee802154WithFcs);

        byte[] tooLong = Mac(FragN(packet.Length, 4, 104, [.. packet[104..], 0, 0, 0, 0, 0, 0, 0, 0]), Source, Destination, fcs: true);
        byte[] otherSize = Mac(FragN(packet.Length + 8, 4, 104, packet[104..]), Source, Destination, fcs: true);

        Assert.Equal(FrameDisposition.Dropped, harness.Feed(tooLong, LinkType.Ieee802154WithFcs));
        Assert.Equal(FrameDisposition.Held, harness.Feed(otherSize, LinkType.Ieee802154WithFcs));
        Assert.Equal(2, harness.Engine.QueuesInUse);
        Assert.Single(sink.OfKind(AnomalyKind.PastEnd));
        foreach (byte[] frame in frames[1..])
        {
            harness.Feed(frame, LinkType.Ieee802154WithFcs);
        }

        Assert.Equal(packet, Assert.Single(harness.Packets));
        Assert.Equal(1, harness.Engine.QueuesInUse);
    }

    [Fact]
    public void An_incomplete_datagram_expires_after_the_lowpan_timeout()
    {
        (_, List<byte[]> frames) = Datagram(tag: 5, payload: 200);
        var harness = new EngineHarness(new ReassemblyOptions { LowpanTimeout = TimeSpan.FromSeconds(10) });
        long start = harness.Clock;
        harness.Feed(frames[0], LinkType.Ieee802154WithFcs, start);

        harness.Feed(Mac([0x41], Source, Destination), LinkType.Ieee802154NoFcs, start + 9_000_000_000);
        Assert.Equal(1, harness.Engine.QueuesInUse);
        harness.Feed(Mac([0x41], Source, Destination), LinkType.Ieee802154NoFcs, start + 10_000_000_000);

        Assert.Equal(0, harness.Engine.QueuesInUse);
        FamilyStatistics lowpan = harness.Engine.GetStatistics().Lowpan;
        Assert.Equal(1, lowpan.ReasmTimeout);
        Assert.Equal(1, lowpan.ReasmFails);
        Assert.Equal(2, lowpan.Malformed); // a lone 0x41 dispatch is too short for an IPv6 header
    }

    [Fact]
    public void A_datagram_size_above_1280_is_refused_as_linux_does()
    {
        byte[] frame = Mac([0xC5, 0x08, 0x00, 0x06, 0x7B, 0x3B, 0x01, 0x00], Source, Destination); // datagram_size 1288
        var sink = new RecordingSink();
        var harness = new EngineHarness(new ReassemblyOptions { AnomalySink = sink });

        Assert.Equal(FrameDisposition.Dropped, harness.Feed(frame, LinkType.Ieee802154NoFcs));

        Assert.Single(sink.OfKind(AnomalyKind.Oversize));
        Assert.Equal(0, harness.Engine.QueuesInUse);
    }

    [Fact]
    public void A_subsequent_fragment_at_offset_zero_is_malformed()
    {
        byte[] frame = Mac(FragN(100, 6, 0, Payload(48, 1)), Source, Destination);
        var harness = new EngineHarness();

        Assert.Equal(FrameDisposition.PassThrough, harness.Feed(frame, LinkType.Ieee802154NoFcs));
        Assert.Equal(1, harness.Engine.GetStatistics().Lowpan.Malformed);
    }

    [Fact]
    public void Fragments_of_one_tag_from_two_sources_are_two_datagrams()
    {
        (byte[] first, List<byte[]> fromFirst) = Datagram(tag: 7, payload: 200, source: Address.Short(1));
        (byte[] second, List<byte[]> fromSecond) = Datagram(tag: 7, payload: 200, source: Address.Short(2));
        var harness = new EngineHarness();

        for (int i = 0; i < fromFirst.Count; i++)
        {
            harness.Feed(fromFirst[i], LinkType.Ieee802154WithFcs);
            harness.Feed(fromSecond[i], LinkType.Ieee802154WithFcs);
        }

        Assert.Equal([first, second], harness.Packets);
    }

    [Fact]
    public void An_uncompressed_ipv6_header_may_be_split_between_frag1_and_the_next_fragment()
    {
        byte[] packet = Ipv6Udp(Address6("2001:db8::1"), Address6("2001:db8::2"), 40001, 40000, Payload(100, 3));
        byte[] frag1 = [(byte)(0xC0 | (packet.Length >> 8)), (byte)packet.Length, 0x00, 0x0A, 0x41, .. packet[..32]];
        var harness = new EngineHarness();

        Assert.Equal(FrameDisposition.Held, harness.Feed(Mac(frag1, Source, Destination), LinkType.Ieee802154NoFcs));
        Assert.Equal(FrameDisposition.Held, harness.Feed(Mac(FragN(packet.Length, 10, 96, packet[96..]), Source, Destination), LinkType.Ieee802154NoFcs));
        Assert.Equal(FrameDisposition.Reassembled, harness.Feed(Mac(FragN(packet.Length, 10, 32, packet[32..96]), Source, Destination), LinkType.Ieee802154NoFcs));

        Assert.Equal(packet, Assert.Single(harness.Packets));
    }

    [Fact]
    public void A_first_fragment_in_a_form_not_decoded_is_refused_and_counted_as_unsupported()
    {
        // SAC=1 with context 0, which is not configured: the FRAG1 cannot be decompressed, so no queue is made.
        byte[] packet = Ipv6Udp(Address6("2001:db8:1::ff:fe00:1"), Destination.LinkLocal(), 1, 2, Payload(200, 4));
        var compressed = Compress(packet, new Modes { Sac = true, Sam = 3 });
        List<byte[]> fragments = Fragment(packet, compressed, 11, 56, 96, packet.Length - 200);
        var sink = new RecordingSink();
        var harness = new EngineHarness(new ReassemblyOptions { AnomalySink = sink });

        Assert.Equal(FrameDisposition.Dropped, harness.Feed(Mac(fragments[0], Source, Destination), LinkType.Ieee802154NoFcs));

        FamilyStatistics lowpan = harness.Engine.GetStatistics().Lowpan;
        Assert.Equal(1, lowpan.Unsupported);
        Assert.Equal(1, lowpan.ReasmFails);
        Assert.Equal(0, harness.Engine.QueuesInUse);
        Assert.Single(sink.OfKind(AnomalyKind.LowpanUnsupported));

        var configured = new EngineHarness(new ReassemblyOptions { LowpanContexts = new Dictionary<int, IPNetwork> { [0] = IPNetwork.Parse("2001:db8:1::/64") } });
        foreach (byte[] fragment in fragments)
        {
            configured.Feed(Mac(fragment, Source, Destination), LinkType.Ieee802154NoFcs);
        }

        Assert.Equal(packet, Assert.Single(configured.Packets));
    }

    [Fact]
    public void An_unfragmented_packet_is_decompressed_as_raw_ipv6()
    {
        byte[] packet = Ipv6Udp(Source.LinkLocal(), Destination.LinkLocal(), 0xF0B1, 0xF0B2, Payload(30, 9));
        var compressed = Compress(packet, new Modes { Ports = 3, ElideChecksum = true });
        var engine = ReassemblyEngine.Create();

        FrameResult result = engine.Process(Mac([.. compressed.Header, .. packet[compressed.Covers..]], Source, Destination), LinkType.Ieee802154NoFcs, 1);

        Assert.Equal(FrameDisposition.Decompressed, result.Disposition);
        using ReassembledDatagram datagram = result.Datagram!;
        Assert.Equal(LinkType.Ipv6, datagram.LinkType);
        Assert.Equal(IpFamily.Ipv6, datagram.Family);
        Assert.Equal(packet, datagram.Frame.ToArray());
        Assert.Equal(1, engine.GetStatistics().Lowpan.NotFragmented);
    }

    [Fact]
    public void Frames_without_ipv6_are_counted_and_passed_through()
    {
        var sink = new RecordingSink();
        var harness = new EngineHarness(new ReassemblyOptions { AnomalySink = sink });
        byte[] acknowledgment = [0x02, 0x00, 0x07];
        byte[] command = Mac([0x04], Source, Destination, frameType: 3);
        byte[] secured = Mac([0x05, 1, 0, 0, 0, 0x99], Source, Destination, security: true);
        byte[] notLowpan = Mac([0x3F, 0x01], Source, Destination);
        byte[] hc1 = Mac([0x42, 0xFB], Source, Destination);
        byte[] reservedMode = [0x01, 0x04, 0x00, 0xCD, 0xAB, 0x41];

        foreach (byte[] frame in new[] { acknowledgment, command, secured, notLowpan, hc1, reservedMode })
        {
            Assert.Equal(FrameDisposition.PassThrough, harness.Feed(frame, LinkType.Ieee802154NoFcs));
        }

        FamilyStatistics lowpan = harness.Engine.GetStatistics().Lowpan;
        Assert.Equal(3, lowpan.NotIp);
        Assert.Equal(1, lowpan.SecurityEnabled);
        Assert.Equal(2, lowpan.Unsupported);
        Assert.Equal(6, lowpan.Frames);
        Assert.All(sink.OfKind(AnomalyKind.LowpanUnsupported), e => Assert.Equal(IpFamily.Lowpan, e.Family));
        Assert.Equal(2, sink.OfKind(AnomalyKind.LowpanUnsupported).Count);
    }

    [Fact]
    public void Random_frames_on_every_802154_link_type_never_throw()
    {
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var engine = ReassemblyEngine.Create(new ReassemblyOptions { LowpanContexts = new Dictionary<int, IPNetwork> { [0] = IPNetwork.Parse("2001:db8::/64") } });
        (_, List<byte[]> valid) = Datagram(tag: 8, payload: 300);
        LinkType[] types = [LinkType.Ieee802154NoFcs, LinkType.Ieee802154WithFcs, LinkType.Ieee802154Tap];
        for (int i = 0; i < 30_000; i++)
        {
            byte[] frame;
            if (i % 2 == 0)
            {
                frame = new byte[random.Next(0, 130)];
                random.NextBytes(frame);
            }
            else
            {
                // A real frame with a few bytes flipped reaches deeper than random bytes do.
                frame = (byte[])valid[random.Next(valid.Count)].Clone();
                for (int flips = random.Next(1, 4); flips > 0; flips--)
                {
                    frame[random.Next(frame.Length)] ^= (byte)random.Next(1, 256);
                }
            }

            FrameResult result = engine.Process(frame, types[i % 3 == 0 ? 0 : i % 3], i);
            result.Datagram?.Dispose();
        }

        engine.ExpireAll();
        Assert.Equal(30_000, engine.GetStatistics().Lowpan.Frames);
    }

    [Fact]
    public void Reassembling_allocates_nothing_once_warm()
    {
        var engine = ReassemblyEngine.Create();
        List<byte[]> warm = Workload(0);
        var measured = new List<byte[]>[AllocationProbe.DefaultTries];
        var datagrams = new int[measured.Length];
        for (int t = 0; t < measured.Length; t++)
        {
            measured[t] = Workload(1000 + (500 * t));
        }

        Run(engine, warm);
        Run(engine, Workload(500));

        long allocated = AllocationProbe.FewestBytes(t => datagrams[t] = Run(engine, measured[t]));

        Assert.Equal(200, datagrams[0]);
        Assert.Equal(0, allocated);

        static List<byte[]> Workload(int tagBase)
        {
            var frames = new List<byte[]>();
            for (int i = 0; i < 100; i++)
            {
                frames.AddRange(Datagram((ushort)(tagBase + i), 200, elideChecksum: i % 2 == 0).Frames);
                byte[] packet = Ipv6Udp(Source.LinkLocal(), Destination.LinkLocal(), 0xF0B1, 0xF0B2, Payload(30, i));
                var compressed = Compress(packet, new Modes { Ports = 3 });
                frames.Add(Mac([.. compressed.Header, .. packet[compressed.Covers..]], Source, Destination, fcs: true));
            }

            return frames;
        }

        static int Run(ReassemblyEngine engine, List<byte[]> frames)
        {
            int datagrams = 0;
            for (int i = 0; i < frames.Count; i++)
            {
                FrameResult result = engine.Process(frames[i], LinkType.Ieee802154WithFcs, 1_000_000 + i);
                if (result.Datagram is { } datagram)
                {
                    datagrams++;
                    datagram.Dispose();
                }
            }

            return datagrams;
        }
    }

    [Fact]
    public void Every_fragment_of_a_datagram_steers_to_the_same_worker()
    {
        (_, List<byte[]> frames) = Datagram(tag: 9, payload: 300);
        var engine = ReassemblyEngine.Create(new ReassemblyOptions { Workers = 4 });

        ClassifiedFrame[] classified = frames.Select(f => engine.Classify(f, LinkType.Ieee802154WithFcs)).ToArray();

        Assert.All(classified, c => Assert.True(c.IsFragment));
        Assert.Single(classified.Select(c => c.SteeringHash).Distinct());
    }

    [Fact]
    public void Datagrams_that_never_complete_are_charged_and_evicted_under_the_memory_limit_and_a_whole_one_still_completes()
    {
        const long High = 256 * 1024;
        var harness = new EngineHarness(new ReassemblyOptions { MemoryHighThresholdBytes = High, MemoryLowThresholdBytes = 192 * 1024 });
        for (int tag = 0; tag < 400; tag++)
        {
            // Every fragment but the last: each datagram stays incomplete and holds a buffer.
            List<byte[]> frames = Datagram(tag: (ushort)tag, payload: 600).Frames;
            foreach (byte[] frame in frames[..^1])
            {
                harness.Feed(frame, LinkType.Ieee802154WithFcs);
            }
        }

        (byte[] packet, List<byte[]> whole) = Datagram(tag: 1000, payload: 600);
        foreach (byte[] frame in whole)
        {
            harness.Feed(frame, LinkType.Ieee802154WithFcs);
        }

        ReassemblyStatistics statistics = harness.Engine.GetStatistics();
        Assert.True(statistics.Lowpan.Evicted > 0, "the flood went past the high threshold, so datagrams were evicted");
        Assert.Equal(statistics.Lowpan.Evicted, statistics.Lowpan.ReasmFails);
        Assert.InRange(statistics.Memory.PeakBytes, 1, High + (128 * 1024));
        Assert.Equal(packet, Assert.Single(harness.Packets));

        harness.Engine.ExpireAll();
        Assert.Equal(0, harness.Engine.GetStatistics().Memory.UsedBytes);
    }

    /// <summary>A UDP datagram from <paramref name="source"/> to <see cref="Destination"/>, in FRAG1 + FRAGNs of about 96 octets.</summary>
    private static (byte[] Packet, List<byte[]> Frames) Datagram(ushort tag, int payload, bool elideChecksum = false, Address? source = null)
    {
        Address from = source ?? Source;
        byte[] packet = Ipv6Udp(from.LinkLocal(), Destination.LinkLocal(), 40001, 40000, Payload(payload, tag));
        var compressed = Compress(packet, new Modes { ElideChecksum = elideChecksum });
        var sizes = new List<int> { 56 };
        int at = 48 + 56;
        while (at < packet.Length)
        {
            int length = Math.Min(96, packet.Length - at);
            sizes.Add(length);
            at += length;
        }

        List<byte[]> fragments = Fragment(packet, compressed, tag, [.. sizes]);
        return (packet, fragments.Select(f => Mac(f, from, Destination, fcs: true)).ToList());
    }
}
