using System.Diagnostics;
using Reassembly.Policies;

namespace Reassembly.Core;

/// <summary>
/// Which byte of a datagram came from which fragment. Under a target-based policy this is the bookkeeping itself:
/// placing a fragment writes its bytes into the queue's buffer where the policy lets it (gaps always, overlapped
/// pieces when <see cref="OverlapRules.NewDataWins"/> says so) and updates the pieces, so that copy on arrival
/// still holds: the buffer is always the datagram as the target host would rebuild it from what has arrived. Under
/// linux-modern, Linux's runs decide and <see cref="FragmentArrivalLog"/> records provenance instead.
/// </summary>
/// <remarks>
/// <para>Invariants: segments are sorted by <see cref="HeldSegment.Start"/>, disjoint and non-empty. Pieces of
/// different fragments are never merged, even when adjacent, because the policies compare a new fragment with each
/// earlier fragment's own start and end; pieces of the same fragment that touch are one segment. A fragment yields
/// at most one more segment than the segments it overlaps (a "last" fragment inside a held piece splits it in
/// three), so the count stays below twice the fragment count.</para>
/// <para>Cost: a binary search for the first piece the fragment reaches, then a walk over the pieces it overlaps,
/// rebuilt in a scratch array and spliced back. Arrays grow by doubling and are kept across datagrams, so the
/// steady state allocates nothing.</para>
/// </remarks>
internal struct HeldSegmentList
{
    private HeldSegment[] _segments;
    private HeldSegment[] _scratch;
    private int _count;
    private int _scratchCount;

    public HeldSegmentList(int initialCapacity)
    {
        _segments = new HeldSegment[initialCapacity];
        _scratch = new HeldSegment[initialCapacity];
        _count = 0;
        _scratchCount = 0;
    }

    public readonly int Count => _count;

    public readonly HeldSegment this[int index] => _segments[index];

    public void Clear() => _count = 0;

    /// <summary>
    /// Places the fragment [<paramref name="start"/>, <paramref name="end"/>) whose bytes are <paramref name="data"/>
    /// into <paramref name="payload"/> (the datagram's fragmentable part, offset 0 first, large enough for
    /// <paramref name="end"/>) under <paramref name="policy"/>.
    /// </summary>
    public OverlapOutcome Place(int start, int end, long frameIndex, OverlapPolicy policy, Span<byte> payload, ReadOnlySpan<byte> data)
    {
        Debug.Assert(policy != OverlapPolicy.LinuxModern, "linux-modern keeps Linux's runs instead.");
        Debug.Assert(data.Length == end - start && payload.Length >= end, "The data is the fragment's and the payload covers it.");
        AssertInvariants();

        var outcome = new OverlapOutcome { OverlapStart = -1, OverlapEnd = -1, OtherFrameIndex = -1 };
        int first = FirstEndingAfter(start);
        int next = first;
        int position = start;
        _scratchCount = 0;

        while (next < _count && _segments[next].Start < end)
        {
            HeldSegment held = _segments[next];
            if (position < held.Start)
            {
                TakeNew(position, held.Start, start, frameIndex, payload, data, ref outcome, newlyCovered: true);
            }

            int overlapStart = Math.Max(held.Start, start);
            int overlapEnd = Math.Min(held.End, end);
            if (outcome.OverlapStart < 0)
            {
                outcome.OverlapStart = overlapStart;
                outcome.OtherFrameIndex = held.FrameIndex;
            }

            outcome.OverlapEnd = overlapEnd;
            if (!outcome.BytesDiffer)
            {
                outcome.BytesDiffer = !payload[overlapStart..overlapEnd].SequenceEqual(data[(overlapStart - start)..(overlapEnd - start)]);
            }

            if (OverlapRules.NewDataWins(policy, held.Start, held.End, start, end))
            {
                // The held piece keeps what lies outside the new fragment, on either side.
                if (held.Start < overlapStart)
                {
                    Emit(held.Start, overlapStart, held.FrameIndex);
                }

                TakeNew(overlapStart, overlapEnd, start, frameIndex, payload, data, ref outcome, newlyCovered: false);
                if (overlapEnd < held.End)
                {
                    Emit(overlapEnd, held.End, held.FrameIndex);
                }
            }
            else
            {
                Emit(held.Start, held.End, held.FrameIndex);
            }

            position = Math.Max(position, overlapEnd);
            next++;
        }

        if (position < end)
        {
            TakeNew(position, end, start, frameIndex, payload, data, ref outcome, newlyCovered: true);
        }

        Splice(first, next - first);
        AssertInvariants();
        return outcome;
    }

    private void TakeNew(int from, int to, int start, long frameIndex, Span<byte> payload, ReadOnlySpan<byte> data, ref OverlapOutcome outcome, bool newlyCovered)
    {
        data[(from - start)..(to - start)].CopyTo(payload[from..]);
        outcome.Kept += to - from;
        if (newlyCovered)
        {
            outcome.NewlyCovered += to - from;
        }

        Emit(from, to, frameIndex);
    }

    private void Emit(int start, int end, long frameIndex)
    {
        if (_scratchCount > 0)
        {
            ref HeldSegment last = ref _scratch[_scratchCount - 1];
            if (last.FrameIndex == frameIndex && last.End == start)
            {
                last.End = end;
                return;
            }
        }

        if (_scratchCount == _scratch.Length)
        {
            Array.Resize(ref _scratch, _scratch.Length * 2);
        }

        _scratch[_scratchCount++] = new HeldSegment { Start = start, End = end, FrameIndex = frameIndex };
    }

    /// <summary>Replaces <paramref name="removed"/> segments from <paramref name="index"/> on with the scratch segments.</summary>
    private void Splice(int index, int removed)
    {
        int newCount = _count - removed + _scratchCount;
        if (newCount > _segments.Length)
        {
            Array.Resize(ref _segments, Math.Max(newCount, _segments.Length * 2));
        }

        int tail = _count - (index + removed);
        if (tail > 0 && removed != _scratchCount)
        {
            Array.Copy(_segments, index + removed, _segments, index + _scratchCount, tail);
        }

        Array.Copy(_scratch, 0, _segments, index, _scratchCount);
        _count = newCount;
    }

    /// <summary>The index of the first piece ending after <paramref name="position"/> (<see cref="Count"/> when none does).</summary>
    public readonly int FirstEndingAfter(int position)
    {
        int low = 0;
        int high = _count;
        while (low < high)
        {
            int middle = (low + high) >>> 1;
            if (_segments[middle].End > position)
            {
                high = middle;
            }
            else
            {
                low = middle + 1;
            }
        }

        return low;
    }

    [Conditional("DEBUG")]
    private readonly void AssertInvariants()
    {
        for (int i = 0; i < _count; i++)
        {
            Debug.Assert(_segments[i].Start < _segments[i].End, "A segment is never empty.");
            Debug.Assert(i == 0 || _segments[i - 1].End <= _segments[i].Start, "Segments are sorted and disjoint.");
        }
    }
}
