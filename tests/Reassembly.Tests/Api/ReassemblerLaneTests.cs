using Reassembly.Tests.Helpers;

namespace Reassembly.Tests.Api;

public sealed class ReassemblerLaneTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Lanes_driven_on_their_own_threads_reassemble_exactly_what_one_thread_does(int lanes)
    {
        int seed = Environment.TickCount;
        List<(byte[] Frame, long Timestamp)> frames = ApiWorkload.Create(new Random(seed));

        (Dictionary<int, byte[]> expected, Dictionary<int, ReassemblyStatus> expectedStatus, ReassemblyStatistics expectedStats) = RunOnOneThread(frames);
        (Dictionary<int, byte[]> actual, Dictionary<int, ReassemblyStatus> actualStatus, ReassemblyStatistics actualStats) = RunOnLanes(frames, lanes);

        Assert.True(expected.Count > 100, $"seed {seed}: the workload should reassemble plenty ({expected.Count})");
        Assert.Equal(expectedStatus, actualStatus);
        SameOutput.Datagrams(seed, expected, actual);
        SameOutput.Statistics(expectedStats, actualStats);
    }

    [Fact]
    public void Each_lane_allocates_nothing_per_frame_once_warm_on_its_own_thread()
    {
        using var reassembler = Reassembler.Create(new ReassemblyOptions { Workers = 2 });
        // Two warm rounds, then several measured ones: one may catch the runtime allocating on a lane's thread (see
        // AllocationProbe), a per-frame allocation shows in all of them.
        const int Rounds = 2 + Reassembly.Tests.Helpers.AllocationProbe.DefaultTries;

        // 100 datagrams from 8 sources per round, fresh IDs each round: both lanes get some.
        var shares = new List<(byte[] Frame, ClassifiedFrame Classified)>[Rounds, 2];
        for (int round = 0; round < Rounds; round++)
        {
            shares[round, 0] = [];
            shares[round, 1] = [];
            for (int d = 0; d < 100; d++)
            {
                foreach (byte[] frame in ReassemblerTests.Ipv4Fragments(Reassembly.Tests.Helpers.PacketBuilder.Payload(3000, d), (ushort)((round * 100) + d)))
                {
                    frame[14 + 15] = (byte)(d % 8);
                    frame[14 + 10] = 0;
                    frame[14 + 11] = 0;
                    ushort checksum = Reassembly.Protocols.InternetChecksum.Compute(frame.AsSpan(14, 20));
                    frame[14 + 10] = (byte)(checksum >> 8);
                    frame[14 + 11] = (byte)checksum;
                    reassembler.Classify(frame, LinkType.Ethernet, 0, -1, out ClassifiedFrame classified);
                    shares[round, reassembler.LaneFor(in classified)].Add((frame, classified));
                }
            }
        }

        // Long-lived lane threads, as in a pipeline: a thread's first use of the engine registers it once (an epoch
        // slot), which is per thread, not per frame. Between rounds, with both lanes parked, queues go back to the pools.
        long[] allocated = [long.MaxValue, long.MaxValue];
        var reassembled = new int[2];
        using var between = new Barrier(2, _ => reassembler.ExpireAll());

        // The lanes take turns within a round. Run side by side, a lane preempted inside a lookup's read section delays
        // the other's grace periods, and a queue pool that cannot reclaim in time allocates: correct RCU behaviour under
        // a stalled reader (memory grows rather than a queue being reused too early), but not what this test measures.
        using var lane0Turn = new SemaphoreSlim(1);
        using var lane1Turn = new SemaphoreSlim(0);
        SemaphoreSlim[] turns = [lane0Turn, lane1Turn];
        var threads = new Thread[2];
        for (int l = 0; l < 2; l++)
        {
            int me = l;
            threads[l] = new Thread(() =>
            {
                ReassemblerLane lane = reassembler.GetLane(me);
                for (int round = 0; round < Rounds; round++)
                {
                    long time = (round * 1_000_000) + 1;
                    int count = 0;
                    turns[me].Wait();
                    long before = GC.GetAllocatedBytesForCurrentThread();
                    foreach ((byte[] frame, ClassifiedFrame classified) in shares[round, me])
                    {
                        using ReassemblyResult result = lane.Process(frame, in classified, time, time);
                        count += result.IsReassembled ? 1 : 0;
                        time++;
                    }

                    if (round >= 2)
                    {
                        allocated[me] = Math.Min(allocated[me], GC.GetAllocatedBytesForCurrentThread() - before);
                    }
                    reassembled[me] = count;
                    turns[1 - me].Release();
                    between.SignalAndWait();
                }
            });
            threads[l].Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        Assert.All(new[] { shares[Rounds - 1, 0], shares[Rounds - 1, 1] }, share => Assert.NotEmpty(share));
        Assert.Equal(100, reassembled[0] + reassembled[1]);
        Assert.Equal([0L, 0L], allocated);
    }

    [Fact]
    public void GetLane_refuses_an_index_out_of_range()
    {
        using var reassembler = Reassembler.Create(new ReassemblyOptions { Workers = 2 });

        Assert.Equal(2, reassembler.LaneCount);
        Assert.Equal(1, reassembler.GetLane(1).Index);
        Assert.Throws<ArgumentOutOfRangeException>(() => reassembler.GetLane(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => reassembler.GetLane(-1));
    }

    private static (Dictionary<int, byte[]>, Dictionary<int, ReassemblyStatus>, ReassemblyStatistics) RunOnOneThread(List<(byte[] Frame, long Timestamp)> frames)
    {
        using var reassembler = Reassembler.Create(ApiWorkload.Options());
        var output = new Dictionary<int, byte[]>();
        var status = new Dictionary<int, ReassemblyStatus>();
        for (int i = 0; i < frames.Count; i++)
        {
            using ReassemblyResult result = reassembler.Process(frames[i].Frame, LinkType.Ethernet, frames[i].Timestamp);
            status[i] = result.Status;
            if (result.IsReassembled)
            {
                output[i] = result.Datagram.Frame.ToArray();
            }
        }

        reassembler.ExpireAll();
        return (output, status, reassembler.GetStatistics());
    }

    private static (Dictionary<int, byte[]>, Dictionary<int, ReassemblyStatus>, ReassemblyStatistics) RunOnLanes(List<(byte[] Frame, long Timestamp)> frames, int laneCount)
    {
        using var reassembler = Reassembler.Create(ApiWorkload.Options(laneCount));
        var shares = new List<(int Index, ClassifiedFrame Classified, long Clock)>[laneCount];
        for (int l = 0; l < laneCount; l++)
        {
            shares[l] = [];
        }

        // The dispatching thread: classify in input order, keep the clock, steer.
        long clock = long.MinValue;
        for (int i = 0; i < frames.Count; i++)
        {
            clock = Math.Max(clock, frames[i].Timestamp);
            reassembler.Classify(frames[i].Frame, LinkType.Ethernet, 0, i, out ClassifiedFrame classified);
            shares[reassembler.LaneFor(in classified)].Add((i, classified, clock));
        }

        var outputs = new Dictionary<int, byte[]>[laneCount];
        var statuses = new Dictionary<int, ReassemblyStatus>[laneCount];
        var threads = new Thread[laneCount];
        for (int l = 0; l < laneCount; l++)
        {
            int me = l;
            outputs[l] = [];
            statuses[l] = [];
            threads[l] = new Thread(() =>
            {
                ReassemblerLane lane = reassembler.GetLane(me);
                foreach ((int index, ClassifiedFrame classified, long at) in shares[me])
                {
                    using ReassemblyResult result = lane.Process(frames[index].Frame, in classified, frames[index].Timestamp, at);
                    statuses[me][index] = result.Status;
                    if (result.IsReassembled)
                    {
                        outputs[me][index] = result.Datagram.Frame.ToArray();
                    }
                }

                lane.AdvanceClock(clock);
            });
            threads[l].Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        reassembler.ExpireAll();
        var merged = new Dictionary<int, byte[]>();
        var status = new Dictionary<int, ReassemblyStatus>();
        for (int l = 0; l < laneCount; l++)
        {
            foreach ((int index, byte[] frame) in outputs[l])
            {
                merged.Add(index, frame);
            }

            foreach ((int index, ReassemblyStatus s) in statuses[l])
            {
                status.Add(index, s);
            }
        }

        return (merged, status, reassembler.GetStatistics());
    }
}
