using Reassembly.Core;
using Reassembly.Tests.Helpers;
using Xunit.Abstractions;

namespace Reassembly.Tests.Core;

/// <summary>
/// <see cref="HeldSegmentList"/> on <see cref="BlockedRangeList{T}"/> against the plain sorted list it replaced
/// (<see cref="ReferenceHeldSegmentList"/>): same outcome, same bytes, same pieces, for every target policy; and
/// bounded element moves per fragment in the orders that made the plain list shift its whole tail (FragmentSmack).
/// </summary>
public sealed class HeldSegmentListModelTests
{
    private const int MovesPerPiece = 2 * BlockedRangeList<HeldSegment>.BlockSize;

    private readonly ITestOutputHelper _output;

    public HeldSegmentListModelTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Theory]
    [MemberData(nameof(HeldSegmentListTests.TargetPolicies), MemberType = typeof(HeldSegmentListTests))]
    public void Place_matches_the_plain_sorted_list_model_when_random_fragments_span_many_blocks(OverlapPolicy policy)
    {
        int seed = Environment.TickCount;
        _output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var list = new HeldSegmentList(4);
        const int PayloadLength = 16384;
        int maxBlocks = 0;
        for (int round = 0; round < 4; round++)
        {
            // One list for every round, cleared between them, as a queue reuses its arrays across datagrams.
            list.Clear();
            var model = new ReferenceHeldSegmentList();
            var payload = new byte[PayloadLength];
            var modelPayload = new byte[PayloadLength];
            for (long frame = 0; frame < 1500; frame++)
            {
                // Tiny fragments first, so that hundreds of pieces spread over blocks; then larger ones that overlap many.
                int kind = frame < 600 ? 0 : random.Next(100);
                int start = random.Next(0, PayloadLength / 8) * 8;
                int length = kind < 90 ? random.Next(1, 8) * 8 : kind < 98 ? random.Next(1, 512) * 8 : random.Next(1, PayloadLength / 8) * 8;
                if (kind >= 99)
                {
                    start = 0;
                }

                int end = Math.Min(PayloadLength, start + length);
                var data = new byte[end - start];
                if (random.Next(2) == 0)
                {
                    // A retransmission of what is held, so that overlaps with equal bytes happen too.
                    modelPayload.AsSpan(start, end - start).CopyTo(data);
                }
                else
                {
                    random.NextBytes(data);
                }

                string where = $"seed {seed} {policy} round {round} frame {frame} [{start}, {end})";
                OverlapOutcome expected = model.Place(start, end, frame, policy, modelPayload, data);
                OverlapOutcome actual = list.Place(start, end, frame, policy, payload, data);

                Assert.True(expected.NewlyCovered == actual.NewlyCovered, $"{where}: newly covered {actual.NewlyCovered}, model {expected.NewlyCovered}");
                Assert.True(expected.Kept == actual.Kept, $"{where}: kept {actual.Kept}, model {expected.Kept}");
                Assert.True(expected.OverlapStart == actual.OverlapStart && expected.OverlapEnd == actual.OverlapEnd, $"{where}: overlap [{actual.OverlapStart}, {actual.OverlapEnd}), model [{expected.OverlapStart}, {expected.OverlapEnd})");
                Assert.True(expected.BytesDiffer == actual.BytesDiffer, $"{where}: bytes differ {actual.BytesDiffer}, model {expected.BytesDiffer}");
                Assert.True(expected.OtherFrameIndex == actual.OtherFrameIndex, $"{where}: other frame {actual.OtherFrameIndex}, model {expected.OtherFrameIndex}");
                Assert.True(payload.AsSpan().SequenceEqual(modelPayload), $"{where}: the buffers differ");
                AssertSamePieces(model, list, where);

                int probe = random.Next(0, PayloadLength);
                int index = list.FirstEndingAfter(probe);
                int expectedIndex = 0;
                while (expectedIndex < model.Count && model[expectedIndex].End <= probe)
                {
                    expectedIndex++;
                }

                Assert.True(expectedIndex == index, $"{where}: first ending after {probe} is {index}, model {expectedIndex}");
                maxBlocks = Math.Max(maxBlocks, list.BlockCount);
            }
        }

        _output.WriteLine($"{policy}: up to {maxBlocks} blocks");
        Assert.True(maxBlocks > 1, $"seed {seed}: the pieces never outgrew one block, so the blocked layout went untested");
    }

    [Theory]
    [MemberData(nameof(HeldSegmentListTests.TargetPolicies), MemberType = typeof(HeldSegmentListTests))]
    public void Place_moves_a_bounded_number_of_elements_per_piece_when_8000_fragments_arrive_in_adversarial_orders(OverlapPolicy policy)
    {
        const int Fragments = 8000;
        var list = new HeldSegmentList(4);
        var payload = new byte[65536];
        var data = new byte[16];
        var fill = new byte[Fragments * 8];
        foreach (string order in (string[])["reverse", "reverse-overlapping", "holes-then-fill"])
        {
            // The first datagram grows the arrays; the later ones reuse them and must not allocate. Several later ones,
            // because one may catch the runtime allocating on this thread (see AllocationProbe).
            long fewestAllocated = long.MaxValue;
            for (int pass = 0; pass <= AllocationProbe.DefaultTries; pass++)
            {
                list.Clear();
                int movedBefore = list.MovedElements;
                long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                int placed = 0;
                switch (order)
                {
                    case "reverse":
                        // The plain list inserted each one at index 0, shifting every piece held: n^2 / 2 moves.
                        for (int i = Fragments - 1; i >= 0; i--, placed++)
                        {
                            list.Place(i * 8, (i * 8) + 8, placed, policy, payload, data.AsSpan(0, 8));
                        }

                        break;
                    case "reverse-overlapping":
                        for (int i = Fragments - 1; i >= 0; i--, placed++)
                        {
                            list.Place(i * 8, (i * 8) + 16, placed, policy, payload, data);
                        }

                        break;
                    default:
                        // Every other slot from the back, then one fragment over all of them: up to 4001 new pieces at once.
                        for (int i = (Fragments / 2) - 1; i >= 0; i--, placed++)
                        {
                            list.Place(i * 16, (i * 16) + 8, placed, policy, payload, data.AsSpan(0, 8));
                        }

                        list.Place(0, fill.Length, placed++, policy, payload, fill);
                        break;
                }

                long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
                int moved = list.MovedElements - movedBefore;
                int pieces = list.Count;
                _output.WriteLine($"{policy} {order} pass {pass}: {placed} fragments, {pieces} pieces in {list.BlockCount} blocks, {moved} elements moved, {allocated} bytes allocated");

                // Each insert moves at most BlockSize - 1 elements in its block plus half a block on a split; each
                // removal or merge at most a block per edge. The plain list moved about n^2 / 2 = 32 million here.
                Assert.InRange(moved, 0, (long)MovesPerPiece * (placed + pieces));
                Assert.True(list.BlockCount >= pieces / BlockedRangeList<HeldSegment>.BlockSize, $"{order}: {pieces} pieces in only {list.BlockCount} blocks");
                Assert.True(list.BlockCount <= (2 * pieces / ((BlockedRangeList<HeldSegment>.BlockSize / 2) + 1)) + 1, $"{order}: {pieces} pieces spread over {list.BlockCount} blocks");
                if (pass > 0)
                {
                    fewestAllocated = Math.Min(fewestAllocated, allocated);
                }
            }

            Assert.True(fewestAllocated == 0, $"{order}: every datagram after the first allocated, at least {fewestAllocated} bytes");
        }
    }

    private static void AssertSamePieces(ReferenceHeldSegmentList model, HeldSegmentList list, string where)
    {
        Assert.True(model.Count == list.Count, $"{where}: {list.Count} pieces, model {model.Count}");
        for (int i = 0; i < model.Count; i++)
        {
            HeldSegment expected = model[i];
            HeldSegment actual = list[i];
            Assert.True(
                expected.Start == actual.Start && expected.End == actual.End && expected.FrameIndex == actual.FrameIndex,
                $"{where}: piece {i} is [{actual.Start}, {actual.End}) of frame {actual.FrameIndex}, model [{expected.Start}, {expected.End}) of frame {expected.FrameIndex}");
        }
    }
}
