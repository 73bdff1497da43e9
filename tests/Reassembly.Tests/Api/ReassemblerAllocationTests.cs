using System.Threading.Channels;
using Reassembly.Tests.Helpers;

namespace Reassembly.Tests.Api;

public sealed class ReassemblerAllocationTests
{
    [Fact]
    public void Process_allocates_nothing_per_frame_once_warm_with_a_channel_sink_and_metrics_published()
    {
        ChannelAnomalySink sink = ChannelAnomalySink.CreateBounded(out System.Threading.Channels.ChannelReader<AnomalyEvent> events, capacity: 100_000);
        using var reassembler = Reassembler.Create(new ReassemblyOptions { AnomalySink = sink });
        Run(reassembler, Workload(idBase: 0));
        Run(reassembler, Workload(idBase: 1000));
        while (events.TryRead(out _))
        {
        }

        // Same shapes, fresh IDs: every queue, buffer, datagram and channel slot comes from a pool by now.
        var measured = new List<byte[]>[AllocationProbe.DefaultTries];
        var counts = new (int Reassembled, int Passed)[measured.Length];
        for (int t = 0; t < measured.Length; t++)
        {
            measured[t] = Workload(idBase: 2000 + (1000 * t));
        }

        long allocated = AllocationProbe.FewestBytes(t => counts[t] = Run(reassembler, measured[t]));

        Assert.Equal((200, 100), counts[0]);
        Assert.True(events.Count > 0, "the workload repeats a fragment, so the sink hears of duplicates");
        Assert.Equal(0, sink.Dropped);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public async Task ReassembleAsync_on_one_lane_allocates_nothing_per_frame_once_warm_while_the_input_has_frames_ready()
    {
        using var reassembler = Reassembler.Create();
        Channel<InputFrame> input = Channel.CreateUnbounded<InputFrame>(new UnboundedChannelOptions { SingleReader = true });
        List<byte[]> warm = [.. Workload(idBase: 0), .. Workload(idBase: 1000)];
        long time = 1_000_000;
        foreach (byte[] frame in warm)
        {
            input.Writer.TryWrite(new InputFrame(frame, LinkType.Ethernet, time++));
        }

        // Several measured windows, fresh IDs each: one may catch the runtime allocating on this thread (see
        // AllocationProbe), a per-frame allocation shows in all of them.
        var windowEnds = new int[AllocationProbe.DefaultTries];
        int queued = warm.Count;
        for (int t = 0; t < windowEnds.Length; t++)
        {
            foreach (byte[] frame in Workload(idBase: 2000 + (1000 * t)))
            {
                input.Writer.TryWrite(new InputFrame(frame, LinkType.Ethernet, time++));
                queued++;
            }

            windowEnds[t] = queued;
        }

        // Frames already queued: every await completes synchronously, on this thread, as under a busy capture.
        int seen = 0, window = 0, thread = Environment.CurrentManagedThreadId;
        var reassembled = new int[windowEnds.Length];
        long before = 0, fewest = long.MaxValue;
        bool oneThread = true;
        await foreach (ReassemblyOutput output in reassembler.ReassembleAsync(input.Reader))
        {
            oneThread &= Environment.CurrentManagedThreadId == thread;
            if (seen == warm.Count)
            {
                before = GC.GetAllocatedBytesForCurrentThread();
            }

            if (seen >= warm.Count && output.Result.IsReassembled)
            {
                reassembled[window]++;
            }

            output.Dispose();
            if (++seen == windowEnds[window])
            {
                long now = GC.GetAllocatedBytesForCurrentThread();
                fewest = Math.Min(fewest, now - before);
                before = now;
                if (++window == windowEnds.Length)
                {
                    break;
                }
            }
        }

        Assert.True(oneThread, "the measurement covers only this thread, so the stream must not have hopped");
        Assert.All(reassembled, count => Assert.Equal(200, count));
        Assert.Equal(0, fewest);
    }

    private static (int Reassembled, int Passed) Run(Reassembler reassembler, List<byte[]> frames)
    {
        int reassembled = 0, passed = 0;
        long time = 1_000_000;
        foreach (byte[] frame in frames)
        {
            using ReassemblyResult result = reassembler.Process(frame, LinkType.Ethernet, time++);
            if (result.IsReassembled)
            {
                reassembled++;
            }
            else if (result.Status == ReassemblyStatus.PassedThrough)
            {
                passed++;
            }
        }

        return (reassembled, passed);
    }

    private static List<byte[]> Workload(int idBase)
    {
        // 100 IPv4 and 100 IPv6 datagrams, interleaved and sent last fragment first, an overlapping duplicate each,
        // and whole packets in between.
        var frames = new List<byte[]>();
        for (int i = 0; i < 100; i++)
        {
            byte[] data = PacketBuilder.Payload(1500 + (i * 40), i);
            List<(int Offset, byte[] Data, bool More)> pieces = PacketBuilder.Split(data, 1480);
            pieces.Reverse();
            foreach ((int offset, byte[] piece, bool more) in pieces)
            {
                frames.Add(PacketBuilder.Ethernet(0x0800, PacketBuilder.Ipv4(piece, offset, more, (ushort)(idBase + i))));
                frames.Add(PacketBuilder.Ethernet(0x86DD, PacketBuilder.Ipv6Fragment(piece, offset, more, (uint)(idBase + i))));
            }

            // A duplicate of the IPv4 last fragment, sent before the rest arrives: reported and ignored.
            frames.Insert(frames.Count - 2, frames[0 + (frames.Count - (2 * pieces.Count))]);
            frames.Add(PacketBuilder.Ethernet(0x0800, PacketBuilder.Ipv4Whole(data[..100])));
        }

        return frames;
    }
}
