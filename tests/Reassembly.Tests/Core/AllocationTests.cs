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
        List<byte[]> measured = Workload(idBase: 2000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        int reassembled = RunAll(engine, measured);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(200, reassembled);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void ATargetPolicyWithOverlapsAndAnAnomalySinkAllocatesNothingOnceWarm()
    {
        var sink = new CountingSink();
        var engine = ReassemblyEngine.Create(new ReassemblyOptions { OverlapPolicy = OverlapPolicy.Bsd, AnomalySink = sink });
        RunAll(engine, Workload(idBase: 0, overlaps: true));
        RunAll(engine, Workload(idBase: 1000, overlaps: true));

        List<byte[]> measured = Workload(idBase: 2000, overlaps: true);
        long before = GC.GetAllocatedBytesForCurrentThread();
        int reassembled = RunAll(engine, measured);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(200, reassembled);
        Assert.True(sink.Count > 0, "the workload overlaps, so the sink hears of it");
        Assert.Equal(0, allocated);
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
