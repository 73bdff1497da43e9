using System.Diagnostics;
using System.Numerics;

namespace Reassembly.Timers;

/// <summary>
/// A hashed hierarchical timer wheel (Varghese and Lauck; the layout of Linux's classic cascading wheel in
/// kernel/time/timer.c, with the 64-slot levels and occupancy bitmaps of its current one): O(1) arm and cancel,
/// every timer fired exactly at its deadline tick, driven by a clock its owner advances.
/// </summary>
/// <remarks>
/// <para><b>Why a wheel.</b> Every fragment queue has a timeout, and almost every queue completes (and cancels its
/// timer) long before it. A binary heap would cost O(log n) for each of those arms and cancels; a wheel costs a
/// list append and an unlink. The engine's old expiry list was O(1) too, but only because every queue of a family
/// had the same timeout; a wheel allows per-queue deadlines (per-family timeouts in one wheel, re-armed deadlines).</para>
/// <para><b>Layout.</b> <see cref="LevelCount"/> levels of <see cref="SlotsPerLevel"/> slots. A slot of level L
/// spans 64^L ticks, so level L holds deadlines 64^L to 64^(L+1) - 1 ticks ahead of the wheel's clock, and the six
/// levels together 2^36 ticks ahead (about 795 days at 1 ms a tick). An entry goes to level
/// floor(log64(deadline - next)) and, within it, to slot (deadline &gt;&gt; 6L) mod 64, so slots are hashed by
/// absolute time and never need rotating. Deadlines further ahead wait in an overflow list that is re-examined each
/// time the clock crosses a multiple of 2^36; past deadlines wait in the expired list, fired at the next drain.</para>
/// <para><b>Cascading.</b> When the clock reaches a tick that is a multiple of 64^L, the level-L slot for that tick
/// is emptied and its entries placed again, now less than 64^L ticks ahead, so on a lower level (levels highest
/// first, so an entry can fall through several levels in one tick). An entry thus reaches level 0, where a slot is
/// one tick, before its deadline, and fires exactly at its deadline tick: unlike Linux's current wheel (which fires
/// late by up to a slot's granularity, to avoid cascading), this one is exact, at the cost of at most
/// <see cref="LevelCount"/> - 1 moves per entry, each O(1). An entry armed 30 s (30,000 ticks) ahead moves twice.</para>
/// <para><b>Order.</b> One <c>Advance</c> fires entries in non-decreasing deadline order, at tick resolution; entries
/// with the same deadline fire in an unspecified order. An entry armed with a deadline already passed (at or before
/// <see cref="Now"/>) goes to the expired list and fires at the start of the next <c>Advance</c>, or, if armed from
/// an expiry callback, right after the entries of the tick being processed.</para>
/// <para><b>Skipping.</b> Each level has a 64-bit occupancy bitmap, so the next tick at which anything happens (a
/// level-0 slot to fire or a higher slot to cascade) is found with a rotate and a trailing-zero count per level; an
/// <c>Advance</c> over a long quiet stretch costs O(levels) per event, not one step per tick.</para>
/// <para><b>Invariants</b> (checked by <see cref="VerifyStructure"/>): every armed entry is in exactly one list, and
/// its <c>List</c> field names it; a level's bitmap bit is set exactly when that slot's list is non-empty; every
/// entry on a level slot has its cascade tick (deadline rounded down to the slot's span) at or after
/// <see cref="NextTick"/> and less than 64^(L+1) ticks after it, so the first time the clock meets the slot is the
/// entry's cascade tick; every entry on level 0 has exactly its deadline as that tick; entries in the overflow list
/// are at least 2^36 ticks ahead as of their last placement; <see cref="Count"/> is the number of armed entries.</para>
/// <para><b>Threading.</b> Single-threaded: one owner (a worker) arms, cancels and advances, with no lock and no
/// interlocked operation. Entries must not be shared between wheels.</para>
/// </remarks>
/// <typeparam name="TOwner">The type of object the wheel times.</typeparam>
internal sealed partial class TimerWheel<TOwner>
    where TOwner : class
{
    /// <summary>log2 of <see cref="SlotsPerLevel"/>: one 64-bit occupancy word per level.</summary>
    public const int SlotBits = 6;

    /// <summary>Slots per level.</summary>
    public const int SlotsPerLevel = 1 << SlotBits;

    /// <summary>Levels: 6 x 6 bits = 2^36 ticks ahead before the overflow list, over two years at 1 ms a tick.</summary>
    public const int LevelCount = 6;

    /// <summary>log2 of the ticks ahead the levels cover.</summary>
    public const int SpanBits = SlotBits * LevelCount;

    /// <summary>The largest tick value accepted (headroom for rounding up to a multiple of 2^36).</summary>
    public const long MaxTicks = long.MaxValue >> 2;

    private const int SlotMask = SlotsPerLevel - 1;
    private const int OverflowList = LevelCount * SlotsPerLevel;
    private const int ExpiredList = OverflowList + 1;
    private const int ListCount = ExpiredList + 1;

    private readonly TimerWheelEntry<TOwner>?[] _heads = new TimerWheelEntry<TOwner>?[ListCount];
    private readonly TimerWheelEntry<TOwner>?[] _tails = new TimerWheelEntry<TOwner>?[ListCount];
    private readonly ulong[] _occupied = new ulong[LevelCount];

    // Every tick before _next has been processed; placement measures "ahead" from _next.
    private long _next;
    private bool _advancing;

    /// <summary>Creates an empty wheel whose clock reads <paramref name="startTicks"/>.</summary>
    /// <param name="startTicks">The owner's clock now, in ticks (0 to <see cref="MaxTicks"/>).</param>
    public TimerWheel(long startTicks = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(startTicks);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(startTicks, MaxTicks);
        _next = startTicks + 1;
    }

    /// <summary>
    /// The clock as of the last <c>Advance</c> (or the start): every deadline at or before it has fired or is in the
    /// expired list. During an expiry callback, the tick being processed (the fired entry's deadline, unless it was
    /// armed already past due).
    /// </summary>
    public long Now => _next - 1;

    /// <summary>The first tick not yet processed.</summary>
    internal long NextTick => _next;

    /// <summary>The number of armed entries.</summary>
    public int Count { get; private set; }

    /// <summary>Arms a disarmed <paramref name="entry"/> to fire at <paramref name="deadlineTicks"/>. O(1), allocates nothing.</summary>
    /// <exception cref="InvalidOperationException">The entry is already armed (use <see cref="Reschedule"/>).</exception>
    public void Arm(TimerWheelEntry<TOwner> entry, long deadlineTicks)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentOutOfRangeException.ThrowIfNegative(deadlineTicks);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(deadlineTicks, MaxTicks);
        if (entry.List != TimerWheelEntry<TOwner>.NotArmed)
        {
            throw new InvalidOperationException("The timer is already armed; cancel it or use Reschedule.");
        }

        entry.Deadline = deadlineTicks;
        entry.Wheel = this;
        Place(entry);
        Count++;
    }

    /// <summary>Disarms <paramref name="entry"/> if armed. O(1). Returns false when it was not armed (already fired or cancelled).</summary>
    public bool Cancel(TimerWheelEntry<TOwner> entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.List == TimerWheelEntry<TOwner>.NotArmed)
        {
            return false;
        }

        if (!ReferenceEquals(entry.Wheel, this))
        {
            throw new InvalidOperationException("The timer is armed on another wheel.");
        }

        Unlink(entry);
        Count--;
        return true;
    }

    /// <summary>Moves <paramref name="entry"/> to a new deadline, arming it if it was not armed. O(1).</summary>
    public void Reschedule(TimerWheelEntry<TOwner> entry, long deadlineTicks)
    {
        Cancel(entry);
        Arm(entry, deadlineTicks);
    }

    /// <summary>
    /// Moves the clock to <paramref name="nowTicks"/> and fires, through <paramref name="visitor"/>, every entry
    /// whose deadline is at or before it, in deadline order. A clock that goes back is taken as no progress (only
    /// the expired list is drained).
    /// </summary>
    /// <returns>The number of entries fired.</returns>
    /// <exception cref="InvalidOperationException">Called from inside an expiry callback.</exception>
    public int Advance<TVisitor>(long nowTicks, ref TVisitor visitor)
        where TVisitor : ITimerWheelVisitor<TOwner>
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nowTicks, MaxTicks);
        if (_advancing)
        {
            throw new InvalidOperationException("Advance was called from an expiry callback.");
        }

        _advancing = true;
        int fired = 0;
        try
        {
            fired += DrainExpired(ref visitor);
            while (_next <= nowTicks)
            {
                long tick = NextEventTick();
                if (tick > nowTicks)
                {
                    _next = nowTicks + 1;
                    break;
                }

                // Nothing happens at the ticks skipped: no slot is due before `tick`.
                _next = tick;
                ProcessTick(tick);
                _next = tick + 1;
                fired += DrainExpired(ref visitor);
            }
        }
        finally
        {
            _advancing = false;
        }

        AssertInvariants();
        return fired;
    }

    /// <summary>
    /// Moves the clock of an empty wheel to <paramref name="startTicks"/>, forwards or back: its owner re-bases its tick
    /// origin whenever the wheel empties (after a reset, or after expiring everything at the end of an input). O(1).
    /// </summary>
    /// <exception cref="InvalidOperationException">An entry is armed, or called from an expiry callback.</exception>
    public void Restart(long startTicks)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(startTicks);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(startTicks, MaxTicks);
        if (Count != 0 || _advancing)
        {
            throw new InvalidOperationException("Only an empty wheel, outside Advance, can restart its clock.");
        }

        // Every list is empty and every occupancy bit clear (Count is 0), so only the clock has state.
        _next = startTicks + 1;
    }

    /// <summary>
    /// Visits every armed entry once, in no particular order (for wholesale drops, not for expiry). The walker may
    /// cancel the entry it is given, but no other entry, and must not arm or call <c>Advance</c>. O(lists + entries).
    /// </summary>
    public void Walk<TWalker>(ref TWalker walker)
        where TWalker : ITimerWheelWalker<TOwner>
    {
        for (int list = 0; list < ListCount; list++)
        {
            TimerWheelEntry<TOwner>? entry = _heads[list];
            while (entry is not null)
            {
                // Read before the visit: cancelling the visited entry clears its links.
                TimerWheelEntry<TOwner>? following = entry.Next;
                walker.Visit(entry);
                entry = following;
            }
        }
    }

    /// <summary>
    /// The earliest tick at which <c>Advance</c> has work: a lower bound on the earliest deadline (it may be a cascade
    /// tick where nothing fires), for an owner that sleeps until then. False when nothing is armed.
    /// </summary>
    public bool TryGetNextEventTick(out long ticks)
    {
        if (_heads[ExpiredList] is not null)
        {
            ticks = Now;
            return true;
        }

        ticks = NextEventTick();
        return ticks != long.MaxValue;
    }

    private long NextEventTick()
    {
        long best = long.MaxValue;
        for (int level = 0; level < LevelCount; level++)
        {
            ulong occupied = _occupied[level];
            if (occupied == 0)
            {
                continue;
            }

            int shift = level * SlotBits;
            long span = 1L << shift;
            long first = (_next + span - 1) & ~(span - 1);
            int slot = (int)(first >> shift) & SlotMask;

            // Slots are visited cyclically from `slot`: rotating puts it at bit 0, so the count of trailing zeros is
            // how many slot spans ahead the next occupied one is.
            int ahead = BitOperations.TrailingZeroCount(BitOperations.RotateRight(occupied, slot));
            long tick = first + ((long)ahead << shift);
            if (tick < best)
            {
                best = tick;
            }
        }

        if (_heads[OverflowList] is not null)
        {
            long span = 1L << SpanBits;
            long tick = (_next + span - 1) & ~(span - 1);
            if (tick < best)
            {
                best = tick;
            }
        }

        return best;
    }

    private void ProcessTick(long tick)
    {
        if ((tick & ((1L << SpanBits) - 1)) == 0 && _heads[OverflowList] is not null)
        {
            Replace(OverflowList);
        }

        for (int level = LevelCount - 1; level > 0; level--)
        {
            int shift = level * SlotBits;
            if ((tick & ((1L << shift) - 1)) != 0)
            {
                continue;
            }

            int list = (level * SlotsPerLevel) + ((int)(tick >> shift) & SlotMask);
            if (_heads[list] is not null)
            {
                Replace(list);
            }
        }

        int due = (int)tick & SlotMask;
        TimerWheelEntry<TOwner>? entry = Detach(due);
        while (entry is not null)
        {
            TimerWheelEntry<TOwner>? following = entry.Next;
            Debug.Assert(entry.Deadline == tick, "A level-0 entry fires exactly at its deadline.");
            Append(ExpiredList, entry);
            entry = following;
        }
    }

    /// <summary>Empties a list and places each of its entries again, relative to the tick being processed.</summary>
    private void Replace(int list)
    {
        TimerWheelEntry<TOwner>? entry = Detach(list);
        while (entry is not null)
        {
            TimerWheelEntry<TOwner>? following = entry.Next;
            Place(entry);
            entry = following;
        }
    }

    private int DrainExpired<TVisitor>(ref TVisitor visitor)
        where TVisitor : ITimerWheelVisitor<TOwner>
    {
        int fired = 0;

        // One at a time from the head, so that a callback arming a past deadline (appended here) or cancelling a
        // later entry of this list sees a consistent wheel.
        while (_heads[ExpiredList] is { } entry)
        {
            Unlink(entry);
            Count--;
            fired++;
            visitor.OnExpired(entry);
        }

        return fired;
    }

    private void Place(TimerWheelEntry<TOwner> entry)
    {
        long ahead = entry.Deadline - _next;
        int list;
        if (ahead < 0)
        {
            list = ExpiredList;
        }
        else if (ahead >= 1L << SpanBits)
        {
            list = OverflowList;
        }
        else
        {
            int level = BitOperations.Log2((ulong)ahead) / SlotBits;
            int slot = (int)(entry.Deadline >> (level * SlotBits)) & SlotMask;
            list = (level * SlotsPerLevel) + slot;
            _occupied[level] |= 1UL << slot;
        }

        Append(list, entry);
    }

    private void Append(int list, TimerWheelEntry<TOwner> entry)
    {
        TimerWheelEntry<TOwner>? tail = _tails[list];
        entry.List = list;
        entry.Previous = tail;
        entry.Next = null;
        if (tail is null)
        {
            _heads[list] = entry;
        }
        else
        {
            tail.Next = entry;
        }

        _tails[list] = entry;
    }

    /// <summary>Takes a whole list off the wheel and returns its head; the entries keep their links to one another.</summary>
    private TimerWheelEntry<TOwner>? Detach(int list)
    {
        TimerWheelEntry<TOwner>? head = _heads[list];
        _heads[list] = null;
        _tails[list] = null;
        if (list < OverflowList)
        {
            _occupied[list >> SlotBits] &= ~(1UL << (list & SlotMask));
        }

        return head;
    }

    private void Unlink(TimerWheelEntry<TOwner> entry)
    {
        int list = entry.List;
        if (entry.Previous is null)
        {
            _heads[list] = entry.Next;
        }
        else
        {
            entry.Previous.Next = entry.Next;
        }

        if (entry.Next is null)
        {
            _tails[list] = entry.Previous;
        }
        else
        {
            entry.Next.Previous = entry.Previous;
        }

        if (list < OverflowList && _heads[list] is null)
        {
            _occupied[list >> SlotBits] &= ~(1UL << (list & SlotMask));
        }

        entry.List = TimerWheelEntry<TOwner>.NotArmed;
        entry.Next = null;
        entry.Previous = null;
    }

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        string? broken = VerifyStructure();
        Debug.Assert(broken is null, broken);
    }
}
