using Reassembly.Core;
using Reassembly.Policies;

namespace Reassembly.Tests.Core;

/// <summary>
/// The model <see cref="HeldSegmentList"/> is checked against: the plain sorted list it was before it moved onto
/// <see cref="BlockedRangeList{T}"/> (O(n) per insert, obviously right), with the same rules per overlapped piece.
/// </summary>
internal sealed class ReferenceHeldSegmentList
{
    private readonly List<HeldSegment> _segments = [];

    public int Count => _segments.Count;

    public HeldSegment this[int index] => _segments[index];

    public OverlapOutcome Place(int start, int end, long frameIndex, OverlapPolicy policy, Span<byte> payload, ReadOnlySpan<byte> data)
    {
        var outcome = new OverlapOutcome { OverlapStart = -1, OverlapEnd = -1, OtherFrameIndex = -1 };
        int first = 0;
        while (first < _segments.Count && _segments[first].End <= start)
        {
            first++;
        }

        var replacement = new List<HeldSegment>();
        int next = first;
        int position = start;
        while (next < _segments.Count && _segments[next].Start < end)
        {
            HeldSegment held = _segments[next];
            if (position < held.Start)
            {
                TakeNew(replacement, position, held.Start, start, frameIndex, payload, data, ref outcome, newlyCovered: true);
            }

            int overlapStart = Math.Max(held.Start, start);
            int overlapEnd = Math.Min(held.End, end);
            if (outcome.OverlapStart < 0)
            {
                outcome.OverlapStart = overlapStart;
                outcome.OtherFrameIndex = held.FrameIndex;
            }

            outcome.OverlapEnd = overlapEnd;
            for (int i = overlapStart; i < overlapEnd; i++)
            {
                outcome.BytesDiffer |= payload[i] != data[i - start];
            }

            if (OverlapRules.NewDataWins(policy, held.Start, held.End, start, end))
            {
                if (held.Start < overlapStart)
                {
                    Add(replacement, held.Start, overlapStart, held.FrameIndex);
                }

                TakeNew(replacement, overlapStart, overlapEnd, start, frameIndex, payload, data, ref outcome, newlyCovered: false);
                if (overlapEnd < held.End)
                {
                    Add(replacement, overlapEnd, held.End, held.FrameIndex);
                }
            }
            else
            {
                Add(replacement, held.Start, held.End, held.FrameIndex);
            }

            position = Math.Max(position, overlapEnd);
            next++;
        }

        if (position < end)
        {
            TakeNew(replacement, position, end, start, frameIndex, payload, data, ref outcome, newlyCovered: true);
        }

        _segments.RemoveRange(first, next - first);
        _segments.InsertRange(first, replacement);
        return outcome;
    }

    private static void TakeNew(List<HeldSegment> replacement, int from, int to, int start, long frameIndex, Span<byte> payload, ReadOnlySpan<byte> data, ref OverlapOutcome outcome, bool newlyCovered)
    {
        for (int i = from; i < to; i++)
        {
            payload[i] = data[i - start];
        }

        outcome.Kept += to - from;
        outcome.NewlyCovered += newlyCovered ? to - from : 0;
        Add(replacement, from, to, frameIndex);
    }

    private static void Add(List<HeldSegment> replacement, int start, int end, long frameIndex)
    {
        // Pieces of one fragment that touch are one piece, as in the list under test.
        if (replacement.Count > 0 && replacement[^1].FrameIndex == frameIndex && replacement[^1].End == start)
        {
            HeldSegment last = replacement[^1];
            last.End = end;
            replacement[^1] = last;
            return;
        }

        replacement.Add(new HeldSegment { Start = start, End = end, FrameIndex = frameIndex });
    }
}
