using System.Runtime.CompilerServices;

namespace Reassembly.Core;

/// <summary>
/// Which frame each accepted fragment of a linux-modern queue came from, sorted by offset, so that an overlap or a
/// duplicate can name the frame it collides with. Linux's runs (<see cref="FragmentRunList"/>) decide everything
/// else; this log only answers "whose bytes are these".
/// </summary>
/// <remarks>
/// Entries are disjoint (the runs have refused every overlap before an entry is added), so sorted by start they are
/// sorted by end too, and the entries a fragment overlaps are found with one O(log n) search and a walk over just
/// those (<see cref="BlockedRangeList{T}"/>). An unsorted log cost an O(n) scan per duplicate, which a sender
/// retransmitting into a datagram of thousands of tiny fragments turned into O(n) per fragment. Appending in offset
/// order (in-order arrival) is O(1).
/// </remarks>
internal struct FragmentArrivalLog
{
    private BlockedRangeList<HeldSegment> _entries;

    public FragmentArrivalLog(int initialCapacity) => _entries = new BlockedRangeList<HeldSegment>(initialCapacity);

    public readonly int Count => _entries.Count;

    /// <summary>The entry at position <paramref name="index"/> in offset order: O(blocks), for checks and tests.</summary>
    public readonly HeldSegment this[int index] => _entries[index];

    public void Clear() => _entries.Clear();

    /// <summary>Records [<paramref name="start"/>, <paramref name="end"/>) from frame <paramref name="frameIndex"/>; it overlaps no entry.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(int start, int end, long frameIndex)
    {
        var entry = new HeldSegment { Start = start, End = end, FrameIndex = frameIndex };
        if (_entries.Count == 0 || start >= _entries.Last.End)
        {
            _entries.Append(entry);
            return;
        }

        _entries.TryLocate(start, out int block, out int offset);
        _entries.Insert(block, offset, entry);
    }

    /// <summary>
    /// Finds the first entry ending after <paramref name="position"/> (where a walk over the entries a range starting
    /// there overlaps begins); false when none does.
    /// </summary>
    public readonly bool TryLocate(int position, out int block, out int offset) => _entries.TryLocate(position, out block, out offset);

    /// <summary>The entry at a position from <see cref="TryLocate"/> or <see cref="MoveNext"/>.</summary>
    public readonly HeldSegment At(int block, int offset) => _entries.At(block, offset);

    /// <summary>Steps to the next entry in offset order; false past the last.</summary>
    public readonly bool MoveNext(ref int block, ref int offset) => _entries.MoveNext(ref block, ref offset);
}
