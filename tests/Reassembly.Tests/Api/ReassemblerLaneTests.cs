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
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach ((int index, byte[] frame) in expected)
        {
            Assert.True(frame.AsSpan().SequenceEqual(actual[index]), $"seed {seed}: frame {index} differs");
        }

        Assert.Equal(expectedStats.Ipv4, actualStats.Ipv4);
        Assert.Equal(expectedStats.Ipv6, actualStats.Ipv6);
        Assert.Equal(expectedStats.Frames, actualStats.Frames);
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
