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
/// earlier fragment's own start and end; pieces of the same fragment that touch are one segment. A fragment that
/// wins splits at most one held piece in three (a "last" fragment inside it); one that loses fills every gap between
/// the pieces it overlaps.</para>
/// <para>Cost: the pieces live in a <see cref="BlockedRangeList{T}"/> (FragmentSmack, CVE-2018-5391: a plain sorted
/// array shifted its whole tail on every out-of-order fragment, O(n^2) moves per datagram). An O(log n) search for
/// the first piece the fragment reaches, a walk over the k pieces it overlaps, rebuilt in a scratch array, then
/// <see cref="BlockedRangeList{T}.Replace"/>: the first pieces overwritten in place, each extra one inserted (at most
/// a block's worth of moves and a split), surplus ones removed (a block's worth at each edge, whole blocks dropped),
/// so O(log n + k) plus bounded moves per fragment. The indexer keeps a cursor, so that a walk by index (as in
/// <c>FragmentQueue.DescribeOverlap</c>, from <see cref="FirstEndingAfter"/>) is O(1) a step. Everything lives in one
/// object made at the first placed fragment (linux-modern queues never make it); it and its arrays, which grow by
/// doubling, are kept across datagrams, so the steady state allocates nothing.</para>
/// </remarks>
internal struct HeldSegmentList
{
    // Everything lives in one object made at the first fragment: linux-modern queues (the default) never place a
    // piece, and a queue's inline size and first allocation are what QueueOverheadBytes charges.
    private readonly int _initialCapacity;
    private Store? _store;

    public HeldSegmentList(int initialCapacity)
    {
        _initialCapacity = Math.Max(initialCapacity, 1);
        _store = null;
    }

    public readonly int Count => _store?.Count ?? 0;

    /// <summary>Elements the underlying <see cref="BlockedRangeList{T}"/> copied to make or close room, ever (wrapping): a test hook.</summary>
    internal readonly int MovedElements => _store?.MovedElements ?? 0;

    /// <summary>Blocks of the underlying list: a test hook.</summary>
    internal readonly int BlockCount => _store?.BlockCount ?? 1;

    /// <summary>
    /// The piece at <paramref name="index"/> in order. O(1) for index 0, for the index <see cref="FirstEndingAfter"/>
    /// returned and for the one after the index last read (a walk); O(blocks) otherwise.
    /// </summary>
    public readonly HeldSegment this[int index] => _store is null ? throw new ArgumentOutOfRangeException(nameof(index)) : _store[index];

    public readonly void Clear() => _store?.Clear();

    /// <summary>
    /// Places the fragment [<paramref name="start"/>, <paramref name="end"/>) whose bytes are <paramref name="data"/>
    /// into <paramref name="payload"/> (the datagram's fragmentable part, offset 0 first, large enough for
    /// <paramref name="end"/>) under <paramref name="policy"/>.
    /// </summary>
    public OverlapOutcome Place(int start, int end, long frameIndex, OverlapPolicy policy, Span<byte> payload, ReadOnlySpan<byte> data)
    {
        _store ??= new Store(_initialCapacity);
        return _store.Place(start, end, frameIndex, policy, payload, data);
    }

    /// <summary>The index of the first piece ending after <paramref name="position"/> (<see cref="Count"/> when none does).</summary>
    public readonly int FirstEndingAfter(int position) => _store?.FirstEndingAfter(position) ?? 0;

    /// <summary>The pieces, their scratch and the indexer's cursor; kept with the queue across datagrams.</summary>
    private sealed class Store
    {
        private BlockedRangeList<HeldSegment> _segments;
        private HeldSegment[] _scratch;
        private int _scratchCount;

        // The indexer's cursor: the position of element _cursorIndex (-1 when none), so that a walk by index is O(1) a step.
        private int _cursorIndex;
        private int _cursorBlock;
        private int _cursorOffset;

        public Store(int initialCapacity)
        {
            // Two pieces up front (the usual datagram of two fragments): with this object and the scratch, a target
            // queue's first fragment allocates 176 bytes, which keeps it within TrueSize.QueueOverheadBytes.
            _segments = new BlockedRangeList<HeldSegment>(Math.Clamp(initialCapacity, 1, 2));
            _scratch = new HeldSegment[1];
            _scratchCount = 0;
            _cursorIndex = -1;
            _cursorBlock = 0;
            _cursorOffset = 0;
        }

        public int Count => _segments.Count;

        /// <summary>Elements copied by the underlying list to make or close room, ever: a test hook.</summary>
        public int MovedElements => _segments.MovedElements;

        /// <summary>Blocks of the underlying list: a test hook.</summary>
        public int BlockCount => _segments.BlockCount;

        /// <summary>
        /// The piece at <paramref name="index"/> in order. O(1) for index 0, for the index <see cref="FirstEndingAfter"/>
        /// returned and for the one after the index last read (a walk); O(blocks) otherwise.
        /// </summary>
        public HeldSegment this[int index]
        {
            get
            {
                ArgumentOutOfRangeException.ThrowIfNegative(index);
                ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _segments.Count);
                if (index == 0)
                {
                    _cursorBlock = 0;
                    _cursorOffset = 0;
                }
                else if (_cursorIndex >= 0 && index == _cursorIndex + 1)
                {
                    _segments.MoveNext(ref _cursorBlock, ref _cursorOffset);
                }
                else if (index != _cursorIndex)
                {
                    _segments.PositionOf(index, out _cursorBlock, out _cursorOffset);
                }

                _cursorIndex = index;
                return _segments.At(_cursorBlock, _cursorOffset);
            }
        }

        public void Clear()
        {
            _segments.Clear();
            _cursorIndex = -1;
        }

        /// <summary>
        /// Places the fragment [<paramref name="start"/>, <paramref name="end"/>) whose bytes are <paramref name="data"/>
        /// into <paramref name="payload"/> (the datagram's fragmentable part, offset 0 first, large enough for
        /// <paramref name="end"/>) under <paramref name="policy"/>.
        /// </summary>
        public OverlapOutcome Place(int start, int end, long frameIndex, OverlapPolicy policy, Span<byte> payload, ReadOnlySpan<byte> data)
        {
            Debug.Assert(policy != OverlapPolicy.LinuxModern, "linux-modern keeps Linux's runs instead.");
            Debug.Assert(data.Length == end - start && payload.Length >= end, "The data is the fragment's and the payload covers it.");

            var outcome = new OverlapOutcome { OverlapStart = -1, OverlapEnd = -1, OtherFrameIndex = -1 };
            _cursorIndex = -1;
            bool found = _segments.TryLocate(start, out int firstBlock, out int firstOffset);
            int block = firstBlock;
            int offset = firstOffset;
            int overlapped = 0;
            int position = start;
            _scratchCount = 0;

            while (found && _segments.At(block, offset).Start < end)
            {
                HeldSegment held = _segments.At(block, offset);
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
                overlapped++;
                found = _segments.MoveNext(ref block, ref offset);
            }

            if (position < end)
            {
                TakeNew(position, end, start, frameIndex, payload, data, ref outcome, newlyCovered: true);
            }

            if (overlapped == 0 && _segments.Count > 0 && _segments.Last.End <= start)
            {
                // Nothing ends after the fragment's start: it goes after every piece (in-order arrival).
                Debug.Assert(_scratchCount == 1, "A fragment that overlaps nothing is one piece.");
                _segments.Append(_scratch[0]);
            }
            else if (_segments.Count == 0)
            {
                _segments.Append(_scratch[0]);
            }
            else
            {
                _segments.Replace(firstBlock, firstOffset, overlapped, _scratch.AsSpan(0, _scratchCount));
            }

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

        /// <summary>The index of the first piece ending after <paramref name="position"/> (<see cref="Count"/> when none does).</summary>
        public int FirstEndingAfter(int position)
        {
            if (!_segments.TryLocate(position, out int block, out int offset))
            {
                return _segments.Count;
            }

            _cursorBlock = block;
            _cursorOffset = offset;
            _cursorIndex = _segments.IndexOf(block, offset);
            return _cursorIndex;
        }
    }
}
