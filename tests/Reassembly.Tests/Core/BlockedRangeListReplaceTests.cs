using Reassembly.Core;
using Xunit.Abstractions;

namespace Reassembly.Tests.Core;

/// <summary>
/// <see cref="BlockedRangeList{T}.Replace"/> against a plain list: random replacements that grow, shrink and drop
/// whole blocks keep the same elements in the same order, and the block count within its bound.
/// </summary>
public sealed class BlockedRangeListReplaceTests
{
    private readonly ITestOutputHelper _output;

    public BlockedRangeListReplaceTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Fact]
    public void Replace_keeps_the_same_elements_as_a_plain_list_when_replacements_grow_shrink_and_drop_blocks()
    {
        int seed = Environment.TickCount;
        _output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var list = new BlockedRangeList<HeldSegment>(4);
        const int Space = 40_000;
        int maxBlocks = 0;
        for (int round = 0; round < 4; round++)
        {
            list.Clear();
            var model = new List<HeldSegment>();
            for (int step = 0; step < 3000; step++)
            {
                // A range to rebuild: mostly narrow (the list grows), sometimes wide (it shrinks by whole blocks).
                int width = random.Next(100) < 95 ? random.Next(1, 40) : random.Next(1, Space / 2);
                int from = random.Next(0, Space - width);
                int to = from + width;
                int first = 0;
                while (first < model.Count && model[first].End <= from)
                {
                    first++;
                }

                int next = first;
                while (next < model.Count && model[next].Start < to)
                {
                    next++;
                }

                int low = next > first ? Math.Min(from, model[first].Start) : from;
                int high = next > first ? Math.Max(to, model[next - 1].End) : to;
                var replacement = new List<HeldSegment>();
                int pieces = random.Next(1, Math.Min(high - low, (2 * (next - first)) + 3) + 1);
                int position = low;
                for (int piece = 0; piece < pieces && position < high; piece++)
                {
                    int end = piece == pieces - 1 ? high : random.Next(position + 1, high + 1);
                    replacement.Add(new HeldSegment { Start = position, End = end, FrameIndex = step });
                    position = end;
                }

                string where = $"seed {seed} round {round} step {step}: [{low}, {high}) replaces {next - first} with {replacement.Count}";
                if (list.TryLocate(from, out int block, out int offset))
                {
                    list.Replace(block, offset, next - first, replacement.ToArray());
                }
                else
                {
                    Assert.True(next == first, $"{where}: the list found nothing the model overlaps");
                    foreach (HeldSegment item in replacement)
                    {
                        list.Append(item);
                    }
                }

                model.RemoveRange(first, next - first);
                model.InsertRange(first, replacement);
                AssertSame(model, list, where);
                maxBlocks = Math.Max(maxBlocks, list.BlockCount);
            }
        }

        _output.WriteLine($"up to {maxBlocks} blocks");
        Assert.True(maxBlocks > 1, $"seed {seed}: the list never outgrew one block");
    }

    private static void AssertSame(List<HeldSegment> model, BlockedRangeList<HeldSegment> list, string where)
    {
        Assert.True(model.Count == list.Count, $"{where}: {list.Count} elements, model {model.Count}");
        Assert.True(list.BlockCount <= (2 * model.Count / ((BlockedRangeList<HeldSegment>.BlockSize / 2) + 1)) + 1, $"{where}: {model.Count} elements over {list.BlockCount} blocks");
        if (model.Count == 0)
        {
            return;
        }

        Assert.True(list.TryLocate(int.MinValue, out int block, out int offset), $"{where}: nothing to walk");
        int index = 0;
        do
        {
            HeldSegment expected = model[index];
            HeldSegment actual = list.At(block, offset);
            Assert.True(
                expected.Start == actual.Start && expected.End == actual.End && expected.FrameIndex == actual.FrameIndex,
                $"{where}: element {index} is [{actual.Start}, {actual.End}), model [{expected.Start}, {expected.End})");
            index++;
        }
        while (list.MoveNext(ref block, ref offset));

        Assert.True(index == model.Count, $"{where}: walked {index} elements, model {model.Count}");
        Assert.True(list.Last.End == model[^1].End, $"{where}: the last element is wrong");
    }
}
