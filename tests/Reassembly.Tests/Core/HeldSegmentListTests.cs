using Reassembly.Core;
using Xunit.Abstractions;

namespace Reassembly.Tests.Core;

/// <summary>
/// The target-policy bookkeeping on its own: whatever the policy and the order, the pieces stay sorted and disjoint,
/// cover exactly the bytes sent, and every byte of the buffer is the byte its owning fragment carried there.
/// </summary>
public sealed class HeldSegmentListTests
{
    private readonly ITestOutputHelper _output;

    public HeldSegmentListTests(ITestOutputHelper output)
    {
        _output = output;
    }

    public static TheoryData<OverlapPolicy> TargetPolicies()
    {
        var data = new TheoryData<OverlapPolicy>();
        foreach (OverlapPolicy policy in Enum.GetValues<OverlapPolicy>())
        {
            if (policy != OverlapPolicy.LinuxModern)
            {
                data.Add(policy);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(TargetPolicies))]
    public void PiecesStayDisjointCoverWhatWasSentAndMatchTheirFramesBytes(OverlapPolicy policy)
    {
        int seed = Environment.TickCount;
        _output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        for (int round = 0; round < 200; round++)
        {
            var list = new HeldSegmentList(2);
            var payload = new byte[1024];
            var sent = new Dictionary<long, (int Start, byte[] Data)>();
            var covered = new bool[payload.Length];
            long coveredCount = 0;
            for (long frame = 0; frame < random.Next(1, 30); frame++)
            {
                int start = random.Next(0, 120) * 8;
                int end = Math.Min(payload.Length, start + (random.Next(1, 20) * 8));
                var data = new byte[end - start];
                random.NextBytes(data);
                sent[frame] = (start, data);

                OverlapOutcome outcome = list.Place(start, end, frame, policy, payload, data);

                int newly = 0;
                for (int i = start; i < end; i++)
                {
                    newly += covered[i] ? 0 : 1;
                    covered[i] = true;
                }

                coveredCount += newly;
                Assert.True(newly == outcome.NewlyCovered, $"seed {seed} round {round} frame {frame}: newly covered");
                Assert.True(outcome.Kept >= outcome.NewlyCovered && outcome.Kept <= end - start, $"seed {seed} round {round}: kept");
                CheckPieces(list, payload, sent, covered, coveredCount, $"seed {seed} round {round} frame {frame}");
            }
        }
    }

    private static void CheckPieces(HeldSegmentList list, byte[] payload, Dictionary<long, (int Start, byte[] Data)> sent, bool[] covered, long coveredCount, string where)
    {
        long total = 0;
        for (int i = 0; i < list.Count; i++)
        {
            HeldSegment piece = list[i];
            Assert.True(piece.Start < piece.End, $"{where}: empty piece");
            Assert.True(i == 0 || list[i - 1].End <= piece.Start, $"{where}: pieces overlap or are unsorted");
            (int start, byte[] data) = sent[piece.FrameIndex];
            Assert.True(piece.Start >= start && piece.End <= start + data.Length, $"{where}: a piece outside its fragment");
            for (int b = piece.Start; b < piece.End; b++)
            {
                Assert.True(covered[b], $"{where}: a piece covers a byte never sent");
                Assert.True(payload[b] == data[b - start], $"{where}: byte {b} is not its owner's");
            }

            total += piece.End - piece.Start;
        }

        Assert.True(total == coveredCount, $"{where}: the pieces hold {total} bytes, {coveredCount} were sent");
    }
}
