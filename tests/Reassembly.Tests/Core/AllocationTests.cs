using System.Buffers.Binary;
using Reassembly.Protocols;
using Reassembly.Tests.Helpers;

namespace Reassembly.Tests.Core;

public sealed class AllocationTests
{
    [Fact]
    public void ProcessingFramesAllocatesNothingOnceWarm()
    {
        var engine = ReassemblyEngine.Create();
        List<byte[]> frames = Workload(idBase: 0);
        RunAll(engine, frames);
        RunAll(engine, Workload(idBase: 1000));

        // Same shapes, fresh IDs: every queue, buffer and datagram comes from the engine's pools.
        var measured = new List<byte[]>[AllocationProbe.DefaultTries];
        var reassembled = new int[measured.Length];
        for (int t = 0; t < measured.Length; t++)
        {
            measured[t] = Workload(idBase: 2000 + (1000 * t));
        }

        long allocated = AllocationProbe.FewestBytes(t => reassembled[t] = RunAll(engine, measured[t]));

        Assert.Equal(200, reassembled[0]);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void ATargetPolicyWithOverlapsAndAnAnomalySinkAllocatesNothingOnceWarm()
    {
        var sink = new CountingSink();
        var engine = ReassemblyEngine.Create(new ReassemblyOptions { OverlapPolicy = OverlapPolicy.Bsd, AnomalySink = sink });
        RunAll(engine, Workload(idBase: 0, overlaps: true));
        RunAll(engine, Workload(idBase: 1000, overlaps: true));

        var measured = new List<byte[]>[AllocationProbe.DefaultTries];
        var reassembled = new int[measured.Length];
        for (int t = 0; t < measured.Length; t++)
        {
            measured[t] = Workload(idBase: 2000 + (1000 * t), overlaps: true);
        }

        long allocated = AllocationProbe.FewestBytes(t => reassembled[t] = RunAll(engine, measured[t]));

        Assert.Equal(200, reassembled[0]);
        Assert.True(sink.Count > 0, "the workload overlaps, so the sink hears of it");
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void ASpoofedSourceFloodThatEvictsAndExpiresAllocatesNothingOnceWarm()
    {
        // Small limits so that the flood evicts from the start; a 1 s timeout so that queues also expire, and the clock
        // crosses many maintenance seconds (idle peers collected, background rehash steps) in the measured part.
        var engine = ReassemblyEngine.Create(new ReassemblyOptions
        {
            MemoryHighThresholdBytes = 256 * 1024,
            MemoryLowThresholdBytes = 192 * 1024,
            Ipv4Timeout = TimeSpan.FromSeconds(1),
        });
        byte[] frame = PacketBuilder.Ethernet(0x0800, PacketBuilder.Ipv4(PacketBuilder.Payload(64), 0, true));
        long time = 1_000_000_000;
        RunFlood(engine, frame, 0, 40_000, ref time);
        RunFlood(engine, frame, 40_000, 40_000, ref time);

        long allocated = AllocationProbe.FewestBytes(t => RunFlood(engine, frame, 80_000 + (40_000 * t), 40_000, ref time));

        ReassemblyStatistics statistics = engine.GetStatistics();
        Assert.True(statistics.Ipv4.Evicted > 0, "the flood is over the memory limit");
        Assert.True(statistics.Ipv4.ReasmTimeout > 0, "the flood outlives the timeout");
        Assert.Equal(0, allocated);
    }

    private static void RunFlood(ReassemblyEngine engine, byte[] frame, int first, int count, ref long time)
    {
        // Every frame a first fragment from a source never seen before, 1 ms apart, and a 2 s pause every 10,000
        // frames: between the pauses the flood is evicted, at each pause what is left expires.
        for (int i = first; i < first + count; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(14 + 12), 0x0A000000 + i);
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(14 + 4), (ushort)i);
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(14 + 10), 0);
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(14 + 10), InternetChecksum.Compute(frame.AsSpan(14, 20)));
            FrameResult result = engine.Process(frame, LinkType.Ethernet, time);
            Assert.Null(result.Datagram);
            time += i % 10_000 == 9_999 ? 2_000_000_000 : 1_000_000;
        }
    }

    private static int RunAll(ReassemblyEngine engine, List<byte[]> frames)
    {
        int reassembled = 0;
        long time = 1_000_000;
        foreach (byte[] frame in frames)
        {
            FrameResult result = engine.Process(frame, LinkType.Ethernet, time++);
            if (result.Datagram is { } datagram)
            {
                reassembled++;
                datagram.Dispose();
            }
        }

        return reassembled;
    }

    private static List<byte[]> Workload(int idBase, bool overlaps = false)
    {
        // 100 IPv4 and 100 IPv6 datagrams, interleaved and each sent last fragment first, plus unfragmented traffic.
        var frames = new List<byte[]>();
        for (int i = 0; i < 100; i++)
        {
            byte[] data = PacketBuilder.Payload(1500 + (i * 40), i);
            List<(int Offset, byte[] Data, bool More)> pieces = PacketBuilder.Split(data, 1480);
            pieces.Reverse();
            foreach ((int offset, byte[] piece, bool more) in pieces)
            {
                frames.Add(PacketBuilder.Ethernet(0x0800, PacketBuilder.Ipv4(piece, offset, more, (ushort)(idBase + i)), 7));
                frames.Add(PacketBuilder.Ethernet(0x86DD, PacketBuilder.Ipv6Fragment(piece, offset, more, (uint)(idBase + i))));
            }

            if (overlaps)
            {
                // A retransmitted middle piece that straddles the first fragment's end, sent before the rest.
                frames.Insert(frames.Count - 2, PacketBuilder.Ethernet(0x0800, PacketBuilder.Ipv4(data[1400..1488], 1400, true, (ushort)(idBase + i)), 7));
            }

            frames.Add(PacketBuilder.Ethernet(0x0800, PacketBuilder.Ipv4Whole(data[..100])));
        }

        return frames;
    }

    private sealed class CountingSink : IAnomalySink
    {
        public long Count { get; private set; }

        public void OnAnomaly(in AnomalyEvent anomaly) => Count++;
    }
}
