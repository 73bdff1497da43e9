using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Reassembly.Core;

/// <summary>
/// Disjoint ranges sorted by position, kept in blocks of at most <see cref="BlockSize"/>: the storage of a queue's
/// runs (<see cref="FragmentRunList"/>) and arrival log (<see cref="FragmentArrivalLog"/>), where a plain sorted
/// array cost O(n) per out-of-order insert (the shift), which fragments sent in an adversarial order (FragmentSmack,
/// CVE-2018-5391) turn into O(n^2) per datagram.
/// </summary>
/// <remarks>
/// <para><b>Layout.</b> Up to <see cref="BlockSize"/> elements, one sorted array, exactly as before (small datagrams,
/// the usual case, pay nothing new). Past that, physical blocks of <see cref="BlockSize"/> slots at fixed strides of
/// one array, <c>_order</c> naming them in logical order and <c>_counts</c> holding how full each is. A full block
/// that must take an element splits into two halves; nothing is ever removed but by <see cref="Clear"/>.</para>
/// <para><b>Cost per insert.</b> Finding the place is two binary searches: over the blocks by their last element's
/// end, then inside one block, O(log n). Making room moves at most <see cref="BlockSize"/> - 1 elements inside the
/// block, and a split moves half a block plus the block indices after it, n / 32 ints. With the per-datagram cap
/// (<see cref="ReassemblyOptions.MaxFragmentsPerDatagram"/>, 8192) that is at most 63 elements and 256 ints, a few
/// hundred bytes, against 8191 elements (64 KiB) for the plain array: bounded by a small constant, where the kernel's
/// rbtree is O(log n) with a larger constant per node. Appending after the last element (in-order arrival) is O(1)
/// and goes through <see cref="Last"/>.</para>
/// <para><b>Invariants</b> (<see cref="AssertInvariants"/>): elements are sorted by start and disjoint, so their ends
/// increase too; every block in use holds at least one element (a split leaves two halves of
/// <see cref="BlockSize"/> / 2); <see cref="Count"/> is the sum of the block counts; <c>_lastSlot</c> is the slot of
/// the last element in logical order. Single-threaded: owned by the queue's worker.</para>
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
    private bool _blocked;
    private int _blocks;
    private int _count;
    private int _lastSlot;

    public BlockedRangeList(int initialCapacity)
    {
        _items = new T[Math.Min(initialCapacity, BlockSize)];
        _order = null;
        _counts = null;
        _blocked = false;
        _blocks = 1;
        _count = 0;
        _lastSlot = -1;
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
    public readonly int BlockCount => _blocked ? _blocks : 1;

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
        _blocks = 1;
        _blocked = false;
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

        if (_blocked)
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
        if (!_blocked && (uint)count < (uint)items.Length && count < BlockSize)
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
        if (!_blocked)
        {
            // An array kept from an earlier, blocked datagram is longer than a block; the single block still ends at BlockSize.
            if (_count < Math.Min(_items.Length, BlockSize))
            {
                InsertInBlock(0, 0, _count, offset, item);
                _count++;
                _lastSlot = _count - 1;
                AssertInvariants();
                return;
            }

            if (_items.Length < BlockSize)
            {
                Array.Resize(ref _items, Math.Min(_items.Length * 2, BlockSize));
                Insert(block, offset, item);
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
        int lastPhysical = _order[_blocks - 1];
        _lastSlot = (lastPhysical * BlockSize) + _counts[lastPhysical] - 1;
        AssertInvariants();
    }

    private readonly int CountOf(int block) => _blocked ? _counts![_order![block]] : _count;

    private readonly int SlotOf(int block) => _blocked ? _order![block] * BlockSize : 0;

    private readonly void InsertInBlock(int physical, int slot, int count, int offset, T item)
    {
        Debug.Assert(physical >= 0 && offset <= count && count < BlockSize, "There is room in the block.");
        if (offset < count)
        {
            Array.Copy(_items, slot + offset, _items, slot + offset + 1, count - offset);
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
        _blocked = true;
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
        Debug.Assert(_count == 0 || _items[_lastSlot].End == previousEnd, "The last slot is the last element.");
    }
}
