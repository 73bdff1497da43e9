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
/// an out-of-order insert is a binary search plus an array shift, with the fragment count per queue bounded.
/// </remarks>
internal struct FragmentRunList
{
    private FragmentRun[] _runs;
    private int _count;

    public FragmentRunList(int initialCapacity)
    {
        _runs = new FragmentRun[initialCapacity];
        _count = 0;
    }

    public readonly int Count => _count;

    public readonly FragmentRun this[int index] => _runs[index];

    public void Clear() => _count = 0;

    /// <summary>Inserts [<paramref name="start"/>, <paramref name="end"/>), <paramref name="end"/> &gt; <paramref name="start"/>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public RunInsertResult Insert(int start, int end)
    {
        // In-order arrival, the common case, inline: a fragment that starts where the last run ends (so reaches past
        // it, being non-empty) extends that run.
        int count = _count;
        if (count > 0)
        {
            ref FragmentRun last = ref _runs[count - 1];
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
        AssertInvariants();
        if (_count == 0)
        {
            Add(_count, start, end);
            return RunInsertResult.Inserted;
        }

        ref FragmentRun last = ref _runs[_count - 1];
        if (last.End < end)
        {
            // The common case: the fragment reaches further than anything held.
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
                Add(_count, start, end);
            }

            return RunInsertResult.Inserted;
        }

        // Runs are sorted and disjoint, so their ends increase too: the first run ending after `start` is the
        // only one the fragment can lie inside, and if the fragment ends before that run begins it touches nothing.
        int index = FirstRunEndingAfter(start);
        ref FragmentRun candidate = ref _runs[index];
        if (end <= candidate.Start)
        {
            Add(index, start, end);
            return RunInsertResult.Inserted;
        }

        // RFC 5722 section 4 (errata 3089): an overlapping fragment discards the whole datagram, but a duplicate
        // (the same bytes again, inside data we hold) is only ignored.
        return start >= candidate.Start && end <= candidate.End ? RunInsertResult.Duplicate : RunInsertResult.Overlap;
    }

    /// <summary>The index of the first run ending after <paramref name="position"/> (the last run when none does).</summary>
    public readonly int FirstRunEndingAfter(int position)
    {
        int low = 0;
        int high = _count - 1;
        while (low < high)
        {
            int middle = (low + high) >>> 1;
            if (_runs[middle].End > position)
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

    private void Add(int index, int start, int end)
    {
        if (_count == _runs.Length)
        {
            Array.Resize(ref _runs, _runs.Length * 2);
        }

        if (index < _count)
        {
            Array.Copy(_runs, index, _runs, index + 1, _count - index);
        }

        _runs[index] = new FragmentRun { Start = start, End = end };
        _count++;
    }

    [System.Diagnostics.Conditional("DEBUG")]
    private readonly void AssertInvariants()
    {
        for (int i = 0; i < _count; i++)
        {
            System.Diagnostics.Debug.Assert(_runs[i].Start < _runs[i].End, "A run is never empty.");
            System.Diagnostics.Debug.Assert(i == 0 || _runs[i - 1].End <= _runs[i].Start, "Runs are sorted and disjoint.");
        }
    }
}
