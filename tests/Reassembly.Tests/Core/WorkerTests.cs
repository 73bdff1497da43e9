using Reassembly.Tests.Helpers;

namespace Reassembly.Tests.Core;

/// <summary>
/// Several workers on several threads, frames steered by <see cref="ClassifiedFrame.SteeringHash"/>, give the same
/// datagrams at the same input positions, and the same counters, as one worker.
/// </summary>
public sealed class WorkerTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Steered_workers_on_their_own_threads_reassemble_exactly_what_one_worker_does(int workerCount)
    {
        int seed = Environment.TickCount;
        List<(byte[] Frame, long Timestamp)> frames = ShuffledWorkload(new Random(seed));

        (Dictionary<int, byte[]> expected, ReassemblyStatistics expectedStats) = Run(frames, 1);
        (Dictionary<int, byte[]> actual, ReassemblyStatistics actualStats) = Run(frames, workerCount);

        Assert.True(expected.Count > 100, $"seed {seed}: the workload should reassemble plenty ({expected.Count})");
        Assert.True(expectedStats.Ipv4.ReasmTimeout + expectedStats.Ipv6.ReasmTimeout > 0, $"seed {seed}: the workload should also expire some datagrams");
        SameOutput.Datagrams(seed, expected, actual);
        SameOutput.Statistics(expectedStats, actualStats);
    }

    [Fact]
    public void Datagrams_disposed_on_another_thread_return_their_buffers_so_a_warm_worker_allocates_nothing()
    {
        var engine = ReassemblyEngine.Create();
        byte[] data = PacketBuilder.Payload(3000, 3);
        var held = new ReassembledDatagram[50];

        // Two rounds warm the pools up to 50 datagrams in flight; the later ones are measured (several, because one may
        // catch the runtime allocating on this thread: see AllocationProbe).
        long fewestAllocated = long.MaxValue;
        for (int round = 0; round < 2 + AllocationProbe.DefaultTries; round++)
        {
            var frames = new List<byte[]>();
            for (int d = 0; d < 50; d++)
            {
                foreach ((int offset, byte[] piece, bool more) in PacketBuilder.Split(data, 1480))
                {
                    frames.Add(PacketBuilder.Ethernet(0x0800, PacketBuilder.Ipv4(piece, offset, more, (ushort)((round * 100) + d))));
                }
            }

            int count = 0;
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < frames.Count; i++)
            {
                FrameResult result = engine.Process(frames[i], LinkType.Ethernet, (round * 1000) + i);
                if (result.Datagram is { } datagram)
                {
                    held[count++] = datagram;
                }
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(50, count);
            Assert.All(held, d => Assert.Equal(data.Length + 20 + 14, d.Frame.Length));
            if (round >= 2)
            {
                fewestAllocated = Math.Min(fewestAllocated, allocated);
            }

            var disposer = new Thread(() =>
            {
                foreach (ReassembledDatagram datagram in held)
                {
                    datagram.Dispose();
                }
            });
            disposer.Start();
            disposer.Join();

            // Completed queues come back after an epoch grace period, which the engine waits out here; datagrams and
            // their buffers come back through the worker's return stack, which is what this test is about.
            engine.ExpireAll();
        }

        Assert.Equal(0, fewestAllocated);
        Assert.Throws<ObjectDisposedException>(() => held[0].Frame.Length);
    }

    [Fact]
    public void A_warm_engine_of_several_workers_allocates_nothing_per_frame_while_queues_wait_out_grace_periods()
    {
        // Two workers, driven in turn from this thread (as bench's lanes are): removed queues go through the epoch
        // domain instead of straight back to the pool, which must still reach a steady state that allocates nothing.
        const int Warm = 8;
        const int Datagrams = 400;
        var engine = ReassemblyEngine.Create(new ReassemblyOptions { Workers = 2 });
        byte[] data = PacketBuilder.Payload(3000, 5);
        var rounds = new byte[Warm + AllocationProbe.DefaultTries][][];
        for (int r = 0; r < rounds.Length; r++)
        {
            var frames = new List<byte[]>();
            for (int d = 0; d < Datagrams; d++)
            {
                foreach ((int offset, byte[] piece, bool more) in PacketBuilder.Split(data, 1480))
                {
                    byte[] packet = PacketBuilder.Ipv4(piece, offset, more, (ushort)((r * Datagrams) + d));
                    packet[15] = (byte)(d % 37);
                    frames.Add(PacketBuilder.Ethernet(0x0800, packet));
                }
            }

            rounds[r] = [.. frames];
        }

        int completed = 0;
        void ProcessRound(byte[][] frames, long timestamp)
        {
            foreach (byte[] frame in frames)
            {
                engine.Classify(frame, LinkType.Ethernet, 0, -1, out ClassifiedFrame classified);
                ReassemblyWorker worker = engine.GetWorker((int)(classified.SteeringHash % 2));
                FrameResult result = worker.Process(frame, in classified, timestamp, timestamp);
                if (result.Datagram is { } datagram)
                {
                    completed++;
                    datagram.Dispose();
                }
            }
        }

        for (int r = 0; r < Warm; r++)
        {
            ProcessRound(rounds[r], r);
        }

        long fewest = AllocationProbe.FewestBytes(attempt => ProcessRound(rounds[Warm + attempt], Warm + attempt));

        Assert.Equal(0, fewest);
        Assert.True(completed >= (Warm + 1) * Datagrams, $"every datagram completes ({completed})");
        Assert.Equal(0, engine.QueuesInUse);
    }

    private static (Dictionary<int, byte[]> Output, ReassemblyStatistics Statistics) Run(List<(byte[] Frame, long Timestamp)> frames, int workerCount)
    {
        var engine = ReassemblyEngine.Create(new ReassemblyOptions { Workers = workerCount, Ipv4Timeout = TimeSpan.FromMilliseconds(1), Ipv6Timeout = TimeSpan.FromMilliseconds(1.5) });
        var shares = new List<(int Index, ClassifiedFrame Classified, long Clock)>[workerCount];
        for (int w = 0; w < workerCount; w++)
        {
            shares[w] = [];
        }

        long clock = long.MinValue;
        for (int i = 0; i < frames.Count; i++)
        {
            clock = Math.Max(clock, frames[i].Timestamp);
            ClassifiedFrame classified = engine.Classify(frames[i].Frame, LinkType.Ethernet);
            shares[(int)(classified.SteeringHash % (uint)workerCount)].Add((i, classified, clock));
        }

        var outputs = new Dictionary<int, byte[]>[workerCount];
        var threads = new Thread[workerCount];
        for (int w = 0; w < workerCount; w++)
        {
            int worker = w;
            outputs[w] = [];
            threads[w] = new Thread(() =>
            {
                ReassemblyWorker me = engine.GetWorker(worker);
                foreach ((int index, ClassifiedFrame classified, long at) in shares[worker])
                {
                    FrameResult result = me.Process(frames[index].Frame, in classified, frames[index].Timestamp, at);
                    if (result.Datagram is { } datagram)
                    {
                        outputs[worker][index] = datagram.Frame.ToArray();
                        datagram.Dispose();
                    }
                }
            });
            threads[w].Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        engine.ExpireAll();
        var merged = new Dictionary<int, byte[]>();
        foreach (Dictionary<int, byte[]> output in outputs)
        {
            foreach ((int index, byte[] frame) in output)
            {
                merged.Add(index, frame);
            }
        }

        return (merged, engine.GetStatistics());
    }

    /// <summary>
    /// 600 datagrams from 40 sources, both families, fragments shuffled within a window, some duplicated, some dropped,
    /// some overlapping, with timestamps that let slow datagrams expire: every rule that depends on order is exercised.
    /// </summary>
    private static List<(byte[] Frame, long Timestamp)> ShuffledWorkload(Random random)
    {
        var frames = new List<byte[]>();
        for (int d = 0; d < 600; d++)
        {
            byte[] data = PacketBuilder.Payload(600 + random.Next(3000), d);
            List<(int Offset, byte[] Data, bool More)> pieces = PacketBuilder.Split(data, 8 * (20 + random.Next(100)));
            byte source = (byte)(d % 40);
            foreach ((int offset, byte[] piece, bool more) in pieces)
            {
                if (random.Next(50) == 0)
                {
                    continue;
                }

                byte[] packet = d % 3 == 0
                    ? PacketBuilder.Ipv6Fragment(piece, offset, more, (uint)d)
                    : PacketBuilder.Ipv4(piece, offset, more, (ushort)d);
                if (d % 3 == 0)
                {
                    packet[8 + 15] = source;
                }
                else
                {
                    packet[15] = source;
                    PacketBuilder.FixIpv4Checksum(packet);
                }

                frames.Add(PacketBuilder.Ethernet(d % 3 == 0 ? (ushort)0x86DD : (ushort)0x0800, packet));
                if (random.Next(30) == 0)
                {
                    frames.Add(frames[^1]);
                }
            }
        }

        return ShuffledTimeline.Create(frames, random, reorderWindow: 40);
    }
}
