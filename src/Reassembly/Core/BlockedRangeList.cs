using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Reassembly.Core;

/// <summary>
/// Disjoint ranges sorted by position, kept in blocks of at most <see cref="BlockSize"/>: the storage of a queue's
/// runs (<see cref="FragmentRunList"/>), arrival log (<see cref="FragmentArrivalLog"/>) and target-policy pieces
/// (<see cref="HeldSegmentList"/>), where a plain sorted
/// array cost O(n) per out-of-order insert (the shift), which fragments sent in an adversarial order (FragmentSmack,
/// CVE-2018-5391) turn into O(n^2) per datagram.
/// </summary>
/// <remarks>
/// <para><b>Layout.</b> Up to <see cref="BlockSize"/> elements, one sorted array, exactly as before (small datagrams,
/// the usual case, pay nothing new). Past that, physical blocks of <see cref="BlockSize"/> slots at fixed strides of
/// one array, <c>_order</c> naming them in logical order and <c>_counts</c> holding how full each is. A full block
/// that must take an element splits into two halves. <see cref="Replace"/> (target-policy pieces only) also removes:
/// blocks it empties leave the order, a block still in use at a physical position past the new block count moves
/// into a freed one (physical blocks stay dense, [0, blocks), so a split always takes the next), and two neighbours
/// holding <see cref="BlockSize"/> / 2 or fewer together merge. The single-array state is "no block in the order"
/// (<c>_blocks</c> == 0), with no flag: the struct is inlined three times in every queue.</para>
/// <para><b>Cost per insert.</b> Finding the place is two binary searches: over the blocks by their last element's
/// end, then inside one block, O(log n). Making room moves at most <see cref="BlockSize"/> - 1 elements inside the
/// block, and a split moves half a block plus the block indices after it, n / 32 ints. With the per-datagram cap
/// (<see cref="ReassemblyOptions.MaxFragmentsPerDatagram"/>, 8192) that is at most 63 elements and 256 ints, a few
/// hundred bytes, against 8191 elements (64 KiB) for the plain array: bounded by a small constant, where the kernel's
/// rbtree is O(log n) with a larger constant per node. Appending after the last element (in-order arrival) is O(1)
/// and goes through <see cref="Last"/>.</para>
/// <para><b>Invariants</b> (<see cref="AssertInvariants"/>): elements are sorted by start and disjoint, so their ends
/// increase too; every block in use holds at least one element (a split leaves two halves of
/// <see cref="BlockSize"/> / 2); two neighbouring blocks hold more than <see cref="BlockSize"/> / 2 together (a split
/// and an insert only add, a removal merges the neighbours around its seam that fall to that), so there are at most
/// 2n / 33 + 1 blocks and the block-index moves above stay n / 16 ints; physical blocks in use are exactly
/// [0, blocks); <see cref="Count"/> is the sum of the block counts; <c>_lastSlot</c> is the slot of the last element
/// in logical order. Single-threaded: owned by the queue's worker.</para>
/// </remarks>
/// <typeparam name="T">The element: a range with whatever else the owner keeps beside it.</typeparam>
internal struct BlockedRangeList<T>
    where T : struct, IHeldRange
{
    /// <summary>Elements per block: 64 runs are 512 bytes, 64 arrival entries 1 KiB, a few cache lines to shift.</summary>
    public const int BlockSize = 64;

    private const int HalfBlock = BlockSize / 2;

    private T[] _items;
    private int[]? _order;
    private int[]? _counts;
    private int _blocks;
    private int _count;
    private int _lastSlot;
    private int _moved;

    public BlockedRangeList(int initialCapacity)
    {
        _items = new T[Math.Min(initialCapacity, BlockSize)];
        _order = null;
        _counts = null;
        _blocks = 0;
        _count = 0;
        _lastSlot = -1;
        _moved = 0;
    }

    /// <summary>Elements held.</summary>
    public readonly int Count => _count;

    /// <summary>The last element in order; only while <see cref="Count"/> &gt; 0.</summary>
    public readonly ref T Last
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref _items[_lastSlot];
    }

    /// <summary>Blocks in use (1 while the list is a single array).</summary>
    public readonly int BlockCount => Blocked ? _blocks : 1;

    // A single array while no block is in the order: keeps the struct (inlined in every queue, three times) small.
    private readonly bool Blocked => _blocks != 0;

    /// <summary>
    /// Elements copied to make or close room (shifts inside a block, splits, removals, merges) since the list was
    /// made, across <see cref="Clear"/>, wrapping past int.MaxValue (only differences are meaningful): a test hook
    /// that bounds the work per insert without timing it.
    /// </summary>
    public readonly int MovedElements => _moved;

    /// <summary>The element at logical position <paramref name="index"/>: O(blocks), for checks and tests.</summary>
    public readonly T this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _count);
            for (int block = 0; ; block++)
            {
                int count = CountOf(block);
                if (index < count)
                {
                    return At(block, index);
                }

                index -= count;
            }
        }
    }

    /// <summary>Empties the list, keeping its arrays for the next datagram.</summary>
    public void Clear()
    {
        _count = 0;
        _blocks = 0;
        _lastSlot = -1;
    }

    /// <summary>The element at (<paramref name="block"/>, <paramref name="offset"/>), from <see cref="TryLocate"/> or <see cref="MoveNext"/>.</summary>
    public readonly ref T At(int block, int offset) => ref _items[SlotOf(block) + offset];

    /// <summary>
    /// Finds the first element ending after <paramref name="position"/>: the only one a range starting there can
    /// lie inside, since ends increase. False when every element ends at or before it. O(log n).
    /// </summary>
    public readonly bool TryLocate(int position, out int block, out int offset)
    {
        block = 0;
        offset = 0;
        if (_count == 0 || _items[_lastSlot].End <= position)
        {
            return false;
        }

        if (Blocked)
        {
            // The first block whose last element ends after the position; the last block qualifies, as checked above.
            int low = 0;
            int high = _blocks - 1;
            while (low < high)
            {
                int middle = (low + high) >>> 1;
                int physical = _order![middle];
                if (_items[(physical * BlockSize) + _counts![physical] - 1].End > position)
                {
                    high = middle;
                }
                else
                {
                    low = middle + 1;
                }
            }

            block = low;
        }

        int slot = SlotOf(block);
        int lowOffset = 0;
        int highOffset = CountOf(block) - 1;
        while (lowOffset < highOffset)
        {
            int middle = (lowOffset + highOffset) >>> 1;
            if (_items[slot + middle].End > position)
            {
                highOffset = middle;
            }
            else
            {
                lowOffset = middle + 1;
            }
        }

        offset = lowOffset;
        return true;
    }

    /// <summary>The logical index of the element at (<paramref name="block"/>, <paramref name="offset"/>): O(blocks).</summary>
    public readonly int IndexOf(int block, int offset)
    {
        int index = offset;
        for (int before = 0; before < block; before++)
        {
            index += CountOf(before);
        }

        return index;
    }

    /// <summary>Where the element at logical position <paramref name="index"/> lies: O(blocks).</summary>
    public readonly void PositionOf(int index, out int block, out int offset)
    {
        Debug.Assert(index >= 0 && index < _count, "The index names an element.");
        block = 0;
        while (index >= CountOf(block))
        {
            index -= CountOf(block);
            block++;
        }

        offset = index;
    }

    /// <summary>Steps to the next element in order; false past the last.</summary>
    public readonly bool MoveNext(ref int block, ref int offset)
    {
        if (++offset < CountOf(block))
        {
            return true;
        }

        offset = 0;
        return ++block < BlockCount;
    }

    /// <summary>Adds <paramref name="item"/> after every element (it starts at or after the last one's end).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Append(T item)
    {
        Debug.Assert(_count == 0 || item.Start >= _items[_lastSlot].End, "An appended range comes after everything held.");

        // In-order arrival into a datagram of at most a block's worth of pieces, the common case: a plain array store.
        int count = _count;
        T[] items = _items;
        if (!Blocked && (uint)count < (uint)items.Length && count < BlockSize)
        {
            items[count] = item;
            _lastSlot = count;
            _count = count + 1;
            return;
        }

        AppendSlow(item);
    }

    private void AppendSlow(T item)
    {
        int block = BlockCount - 1;
        Insert(block, _count == 0 ? 0 : CountOf(block), item);
    }

    /// <summary>Inserts <paramref name="item"/> before the element at (<paramref name="block"/>, <paramref name="offset"/>), as found by <see cref="TryLocate"/>.</summary>
    public void Insert(int block, int offset, T item)
    {
        InsertAt(ref block, ref offset, item);
        AssertInvariants();
    }

    /// <summary>
    /// Replaces the <paramref name="removed"/> elements from (<paramref name="block"/>, <paramref name="offset"/>) on
    /// (as found by <see cref="TryLocate"/>) with <paramref name="items"/>, which are sorted, disjoint, and lie
    /// between the element before that position and the element after the removed ones. The first
    /// min(removed, items) are overwritten in place, no move at all; each further item is one <see cref="Insert"/>
    /// (at most <see cref="BlockSize"/> - 1 moves and a split); surplus elements are removed at most
    /// <see cref="BlockSize"/> - 1 moves in each of the two blocks at the edges of the removed range, whole blocks in
    /// between being dropped from the order without moving an element, and the blocks around the seam are then merged
    /// where two neighbours hold <see cref="BlockSize"/> / 2 or fewer together (at most that many moves per merge).
    /// </summary>
    public void Replace(int block, int offset, int removed, ReadOnlySpan<T> items)
    {
        Debug.Assert(removed >= 0 && (removed == 0 || IndexOf(block, offset) + removed <= _count), "The removed elements exist.");
        int overwritten = Math.Min(removed, items.Length);
        int i = 0;
        for (; i < overwritten; i++)
        {
            At(block, offset) = items[i];
            StepPast(ref block, ref offset);
        }

        if (removed > overwritten)
        {
            RemoveRange(block, offset, removed - overwritten);
        }
        else
        {
            for (; i < items.Length; i++)
            {
                InsertAt(ref block, ref offset, items[i]);
                StepPast(ref block, ref offset);
            }
        }

        UpdateLastSlot();
        AssertInvariants();
    }

    /// <summary>Moves the position past the element it names; at the end of a block, to the next block's first element.</summary>
    private readonly void StepPast(ref int block, ref int offset)
    {
        offset++;
        if (offset == CountOf(block) && block + 1 < BlockCount)
        {
            block++;
            offset = 0;
        }
    }

    /// <summary>Inserts before (<paramref name="block"/>, <paramref name="offset"/>) and leaves them naming the inserted element.</summary>
    private void InsertAt(ref int block, ref int offset, T item)
    {
        if (!Blocked)
        {
            // An array kept from an earlier, blocked datagram is longer than a block; the single block still ends at BlockSize.
            if (_count < Math.Min(_items.Length, BlockSize))
            {
                InsertInBlock(0, 0, _count, offset, item);
                _count++;
                _lastSlot = _count - 1;
                return;
            }

            if (_items.Length < BlockSize)
            {
                Array.Resize(ref _items, Math.Min(_items.Length * 2, BlockSize));
                InsertAt(ref block, ref offset, item);
                return;
            }

            BecomeBlocked();
        }

        int physical = _order![block];
        if (_counts![physical] == BlockSize)
        {
            Split(block);
            if (offset > HalfBlock)
            {
                offset -= HalfBlock;
                block++;
            }

            physical = _order[block];
        }

        int count = _counts[physical];
        InsertInBlock(physical, physical * BlockSize, count, offset, item);
        _counts[physical] = count + 1;
        _count++;
        UpdateLastSlot();
    }

    /// <summary>Removes <paramref name="count"/> elements from (<paramref name="block"/>, <paramref name="offset"/>) on, dropping emptied blocks and merging thin neighbours.</summary>
    private void RemoveRange(int block, int offset, int count)
    {
        Debug.Assert(count > 0 && offset < CountOf(block), "The position names an element.");
        if (!Blocked)
        {
            int tail = _count - offset - count;
            if (tail > 0)
            {
                Array.Copy(_items, offset + count, _items, offset, tail);
                _moved += tail;
            }

            _count -= count;
            return;
        }

        _count -= count;
        if (_count == 0)
        {
            Clear();
            return;
        }

        // Emptied blocks are contiguous: the first touched block empties only when taken whole, every middle one does.
        int firstEmpty = -1;
        int emptyEnd = -1;
        int remaining = count;
        for (int b = block; remaining > 0; b++, offset = 0)
        {
            int physical = _order![b];
            int have = _counts![physical];
            int take = Math.Min(remaining, have - offset);
            int tail = have - offset - take;
            if (tail > 0)
            {
                int slot = physical * BlockSize;
                Array.Copy(_items, slot + offset + take, _items, slot + offset, tail);
                _moved += tail;
            }

            _counts[physical] = have - take;
            remaining -= take;
            if (have == take)
            {
                firstEmpty = firstEmpty < 0 ? b : firstEmpty;
                emptyEnd = b + 1;
            }
        }

        if (firstEmpty >= 0)
        {
            DropBlocks(firstEmpty, emptyEnd);
        }

        // Only the pairs around the seam lost elements or became neighbours; a merge only makes pairs fuller.
        int pair = Math.Max(0, block - 1);
        int lastPair = block + 1;
        while (pair <= lastPair && pair + 1 < _blocks)
        {
            if (_counts![_order![pair]] + _counts[_order[pair + 1]] <= HalfBlock)
            {
                MergeWithNext(pair);
                lastPair--;
            }
            else
            {
                pair++;
            }
        }
    }

    /// <summary>Moves block <paramref name="block"/> + 1's elements to the end of block <paramref name="block"/> and frees it.</summary>
    private void MergeWithNext(int block)
    {
        int into = _order![block];
        int from = _order[block + 1];
        int have = _counts![into];
        int moving = _counts[from];
        Debug.Assert(have + moving <= BlockSize, "The merged block fits.");
        Array.Copy(_items, from * BlockSize, _items, (into * BlockSize) + have, moving);
        _moved += moving;
        _counts[into] = have + moving;
        _counts[from] = 0;
        DropBlocks(block + 1, block + 2);
    }

    /// <summary>
    /// Takes the (emptied) blocks at logical positions [<paramref name="first"/>, <paramref name="end"/>) out of the
    /// order, keeping physical blocks dense: each block still in use at a physical position past the new block count
    /// moves into a freed position below it (at most <see cref="BlockSize"/> elements per dropped block), so that a
    /// split can always take physical block <c>_blocks</c>.
    /// </summary>
    private void DropBlocks(int first, int end)
    {
        int remaining = _blocks - (end - first);
        int freed = first;
        for (int logical = 0; logical < _blocks; logical++)
        {
            if (logical == first)
            {
                logical = end - 1;
                continue;
            }

            int physical = _order![logical];
            if (physical < remaining)
            {
                continue;
            }

            while (_order[freed] >= remaining)
            {
                freed++;
            }

            int target = _order[freed++];
            int moving = _counts![physical];
            Array.Copy(_items, physical * BlockSize, _items, target * BlockSize, moving);
            _moved += moving;
            _counts[target] = moving;
            _order[logical] = target;
        }

        Array.Copy(_order!, end, _order!, first, _blocks - end);
        _blocks = remaining;
    }

    private void UpdateLastSlot()
    {
        if (_count == 0)
        {
            _lastSlot = -1;
        }
        else if (!Blocked)
        {
            _lastSlot = _count - 1;
        }
        else
        {
            int lastPhysical = _order![_blocks - 1];
            _lastSlot = (lastPhysical * BlockSize) + _counts![lastPhysical] - 1;
        }
    }

    private readonly int CountOf(int block) => Blocked ? _counts![_order![block]] : _count;

    private readonly int SlotOf(int block) => Blocked ? _order![block] * BlockSize : 0;

    private void InsertInBlock(int physical, int slot, int count, int offset, T item)
    {
        Debug.Assert(physical >= 0 && offset <= count && count < BlockSize, "There is room in the block.");
        if (offset < count)
        {
            Array.Copy(_items, slot + offset, _items, slot + offset + 1, count - offset);
            _moved += count - offset;
        }

        _items[slot + offset] = item;
    }

    /// <summary>The single full array becomes block 0 of the blocked layout (arrays kept from an earlier datagram are reused).</summary>
    private void BecomeBlocked()
    {
        Debug.Assert(_count == BlockSize, "Only a full single block turns into blocks.");
        if (_order is null)
        {
            _order = new int[4];
            _counts = new int[4];
        }

        _order[0] = 0;
        _counts![0] = _count;
        _blocks = 1;
    }

    /// <summary>Splits full block <paramref name="block"/> into two halves, the upper one in a fresh physical block.</summary>
    private void Split(int block)
    {
        int physical = _order![block];
        int fresh = _blocks;
        if (_items.Length < (fresh + 1) * BlockSize)
        {
            Array.Resize(ref _items, Math.Max(_items.Length * 2, (fresh + 1) * BlockSize));
        }

        if (_order.Length == _blocks)
        {
            Array.Resize(ref _order, _order.Length * 2);
            Array.Resize(ref _counts, _order.Length);
        }

        Array.Copy(_items, (physical * BlockSize) + HalfBlock, _items, fresh * BlockSize, HalfBlock);
        _moved += HalfBlock;
        _counts![physical] = HalfBlock;
        _counts[fresh] = HalfBlock;
        Array.Copy(_order, block + 1, _order, block + 2, _blocks - block - 1);
        _order[block + 1] = fresh;
        _blocks++;
    }

    [Conditional("DEBUG")]
    private readonly void AssertInvariants()
    {
        int total = 0;
        int previousEnd = int.MinValue;
        for (int block = 0; block < BlockCount; block++)
        {
            int count = CountOf(block);
            Debug.Assert(count > 0 || _count == 0, "Every block in use holds an element.");
            Debug.Assert(block == 0 || CountOf(block - 1) + count > HalfBlock, "Two neighbouring blocks hold more than half a block together.");
            for (int offset = 0; offset < count; offset++)
            {
                T item = At(block, offset);
                Debug.Assert(item.Start < item.End, "A range is never empty.");
                Debug.Assert(previousEnd <= item.Start, "Ranges are sorted and disjoint.");
                previousEnd = item.End;
                total++;
            }
        }

        Debug.Assert(total == _count, "Count is the sum of the blocks.");
        for (int block = 0; Blocked && block < _blocks; block++)
        {
            Debug.Assert(_order![block] < _blocks, "Physical blocks are dense: [0, blocks).");
        }
        Debug.Assert(_count == 0 || _items[_lastSlot].End == previousEnd, "The last slot is the last element.");
    }
}
