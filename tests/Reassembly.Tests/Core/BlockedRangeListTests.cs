using Reassembly.Core;
using Reassembly.Tests.Helpers;
using Xunit.Abstractions;

namespace Reassembly.Tests.Core;

/// <summary>
/// The blocked storage behind Linux's runs and the arrival log (FragmentSmack-proof inserts): the same answers as a
/// plain sorted list, whatever the order, across block splits.
/// </summary>
public sealed class BlockedRangeListTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(50)]
    [InlineData(3000)]
    public void FragmentRunList_decides_as_a_sorted_list_model_on_random_inserts(int attempts)
    {
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        for (int round = 0; round < 20; round++)
        {
            var runs = new FragmentRunList(4);
            var model = new List<(int Start, int End)>();
            for (int i = 0; i < attempts; i++)
            {
                // Small units on a wide range: mostly disjoint inserts (many runs), some duplicates and overlaps.
                int start = 8 * random.Next(0, attempts * 4);
                int end = start + (8 * random.Next(1, 3));
                RunInsertResult expected = ModelInsert(model, start, end);
                Assert.Equal(expected, runs.Insert(start, end));
            }

            Assert.Equal(model.Count, runs.Count);
            for (int i = 0; i < model.Count; i++)
            {
                Assert.Equal(model[i], (runs[i].Start, runs[i].End));
            }
        }
    }

    [Fact]
    public void Ranges_inserted_in_reverse_order_come_out_sorted_across_many_blocks()
    {
        var list = new BlockedRangeList<FragmentRun>(4);
        const int Count = 5000;
        for (int i = Count - 1; i >= 0; i--)
        {
            Assert.True(i == Count - 1 || list.TryLocate(8 * i, out _, out _));
            if (list.Count == 0)
            {
                list.Append(new FragmentRun { Start = 8 * i, End = (8 * i) + 4 });
            }
            else
            {
                list.TryLocate(8 * i, out int block, out int offset);
                list.Insert(block, offset, new FragmentRun { Start = 8 * i, End = (8 * i) + 4 });
            }
        }

        Assert.Equal(Count, list.Count);
        Assert.True(list.BlockCount > Count / BlockedRangeList<FragmentRun>.BlockSize, $"{list.BlockCount} blocks");
        Assert.True(list.TryLocate(0, out int b, out int o));
        int expected = 0;
        do
        {
            Assert.Equal(8 * expected, list.At(b, o).Start);
            expected++;
        }
        while (list.MoveNext(ref b, ref o));
        Assert.Equal(Count, expected);
        Assert.Equal(8 * (Count - 1), list.Last.Start);

        list.Clear();
        list.Append(new FragmentRun { Start = 0, End = 8 });
        Assert.Equal(1, list.Count);
        Assert.Equal(1, list.BlockCount);
    }

    [Theory]
    [InlineData(IpFamily.Ipv4)]
    [InlineData(IpFamily.Ipv6)]
    public void A_datagram_of_8_byte_fragments_in_reverse_order_with_duplicates_reassembles_exactly(IpFamily family)
    {
        const int Length = 8 * 4000;
        byte[] data = PacketBuilder.Payload(Length, seed: 3);
        var harness = new EngineHarness();
        for (int offset = Length - 8; offset >= 0; offset -= 8)
        {
            bool more = offset != Length - 8;
            Feed(harness, family, data, offset, more);
            if (offset % 64 == 0 && offset != Length - 8)
            {
                // A retransmission of the fragment just before: inside one run of held data, so a duplicate (ignored).
                Feed(harness, family, data, offset + 8, more: offset + 8 != Length - 8);
            }
        }

        byte[] packet = Assert.Single(harness.Packets);
        Assert.Equal(data, packet.AsSpan(family == IpFamily.Ipv4 ? 20 : 40).ToArray());
        Assert.Equal(Length / 64 - 1, harness.Engine.GetStatistics().Anomalies[AnomalyKind.Duplicate]);
    }

    private static void Feed(EngineHarness harness, IpFamily family, byte[] data, int offset, bool more)
    {
        if (family == IpFamily.Ipv4)
        {
            harness.FeedIpv4(PacketBuilder.Ipv4(data.AsSpan(offset, 8), offset, more, id: 77));
        }
        else
        {
            harness.FeedIpv6(PacketBuilder.Ipv6Fragment(data.AsSpan(offset, 8), offset, more, id: 77));
        }
    }

    // Linux's inet_frag_queue_insert on a sorted list of runs, written plainly.
    private static RunInsertResult ModelInsert(List<(int Start, int End)> runs, int start, int end)
    {
        if (runs.Count > 0 && runs[^1].End == start)
        {
            runs[^1] = (runs[^1].Start, end);
            return RunInsertResult.Inserted;
        }

        for (int i = 0; i < runs.Count; i++)
        {
            (int s, int e) = runs[i];
            if (start < e && end > s)
            {
                return start >= s && end <= e ? RunInsertResult.Duplicate : RunInsertResult.Overlap;
            }
        }

        int at = 0;
        while (at < runs.Count && runs[at].Start < start)
        {
            at++;
        }

        runs.Insert(at, (start, end));
        return RunInsertResult.Inserted;
    }
}
