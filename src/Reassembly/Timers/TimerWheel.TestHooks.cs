namespace Reassembly.Timers;

/// <summary>Read-only checks for tests and debug builds; O(armed entries).</summary>
internal sealed partial class TimerWheel<TOwner>
{
    /// <summary>Walks every list and returns the first invariant (see the type's remarks) found broken, or null.</summary>
    internal string? VerifyStructure()
    {
        int total = 0;
        for (int list = 0; list < ListCount; list++)
        {
            TimerWheelEntry<TOwner>? previous = null;
            for (TimerWheelEntry<TOwner>? entry = _heads[list]; entry is not null; entry = entry.Next)
            {
                total++;
                if (entry.List != list || !ReferenceEquals(entry.Previous, previous) || !ReferenceEquals(entry.Wheel, this))
                {
                    return $"entry in list {list} has list {entry.List} or broken links";
                }

                if (list < OverflowList)
                {
                    int level = list >> SlotBits;
                    int shift = level * SlotBits;
                    long cascade = entry.Deadline & ~((1L << shift) - 1);
                    if (cascade < _next || cascade - _next >= 1L << (shift + SlotBits))
                    {
                        return $"entry due {entry.Deadline} on level {level} is out of that level's reach from {_next}";
                    }

                    if (((entry.Deadline >> shift) & SlotMask) != (list & SlotMask))
                    {
                        return $"entry due {entry.Deadline} is in the wrong slot of level {level}";
                    }
                }

                previous = entry;
            }

            if (!ReferenceEquals(_tails[list], previous))
            {
                return $"list {list} has a stale tail";
            }

            if (list < OverflowList)
            {
                bool bit = (_occupied[list >> SlotBits] & (1UL << (list & SlotMask))) != 0;
                if (bit != (_heads[list] is not null))
                {
                    return $"occupancy bit of list {list} disagrees with the list";
                }
            }
        }

        return total == Count ? null : $"Count is {Count} but {total} entries are linked";
    }
}
