namespace Reassembly.Core;

/// <summary>
/// The ranges a fragment queue holds, as Linux's <c>inet_frag_queue_insert</c> keeps them: sorted "runs" of
/// fragments, where a fragment that starts exactly where the last run ends extends that run and any other fragment
/// starts a run of its own.
/// </summary>
/// <remarks>
/// Invariants: runs are sorted by <see cref="FragmentRun.Start"/>, never overlap, and are non-empty; only the last
/// run ever grows. Runs are not merged when a gap closes, on purpose: whether a retransmitted fragment is a
/// duplicate (ignored) or an overlap (datagram dropped) depends on whether it lies inside a single run, and matching
/// the kernel bit for bit is what makes a replay behave as a Linux receiver did. The common in-order case is O(1);
/// an out-of-order insert is O(log n) to find its place plus a bounded move (<see cref="BlockedRangeList{T}"/>), so
/// fragments in an adversarial order (FragmentSmack) cost O(log n) each, as the kernel's rbtree of runs.
/// </remarks>
internal struct FragmentRunList
{
    private BlockedRangeList<FragmentRun> _runs;

    public FragmentRunList(int initialCapacity) => _runs = new BlockedRangeList<FragmentRun>(initialCapacity);

    public readonly int Count => _runs.Count;

    /// <summary>The run at position <paramref name="index"/> in offset order: O(blocks), for checks and tests.</summary>
    public readonly FragmentRun this[int index] => _runs[index];

    public void Clear() => _runs.Clear();

    /// <summary>Inserts [<paramref name="start"/>, <paramref name="end"/>), <paramref name="end"/> &gt; <paramref name="start"/>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public RunInsertResult Insert(int start, int end)
    {
        // In-order arrival, the common case, inline: a fragment that starts where the last run ends (so reaches past
        // it, being non-empty) extends that run.
        if (_runs.Count > 0)
        {
            ref FragmentRun last = ref _runs.Last;
            if (start == last.End)
            {
                last.End = end;
                return RunInsertResult.Inserted;
            }
        }

        return InsertElsewhere(start, end);
    }

    private RunInsertResult InsertElsewhere(int start, int end)
    {
        if (_runs.Count == 0)
        {
            _runs.Append(new FragmentRun { Start = start, End = end });
            return RunInsertResult.Inserted;
        }

        ref FragmentRun last = ref _runs.Last;
        if (last.End < end)
        {
            // The fragment reaches further than anything held.
            if (start < last.End)
            {
                return RunInsertResult.Overlap;
            }

            if (start == last.End)
            {
                last.End = end;
            }
            else
            {
                _runs.Append(new FragmentRun { Start = start, End = end });
            }

            return RunInsertResult.Inserted;
        }

        // Runs are sorted and disjoint, so their ends increase too: the first run ending after `start` is the
        // only one the fragment can lie inside, and if the fragment ends before that run begins it touches nothing.
        // One exists: the last run ends at or after `end`, which is after `start`.
        _runs.TryLocate(start, out int block, out int offset);
        FragmentRun candidate = _runs.At(block, offset);
        if (end <= candidate.Start)
        {
            _runs.Insert(block, offset, new FragmentRun { Start = start, End = end });
            return RunInsertResult.Inserted;
        }

        // RFC 5722 section 4 (errata 3089): an overlapping fragment discards the whole datagram, but a duplicate
        // (the same bytes again, inside data we hold) is only ignored.
        return start >= candidate.Start && end <= candidate.End ? RunInsertResult.Duplicate : RunInsertResult.Overlap;
    }
}
