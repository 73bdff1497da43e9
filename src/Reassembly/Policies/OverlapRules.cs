namespace Reassembly.Policies;

/// <summary>
/// The target-based policies as one table: for a held piece of data and a new fragment that overlaps it, which
/// bytes survive. Every policy of Novak's "Target-Based Fragmentation Reassembly" reduces to a predicate on the two
/// ranges, applied to each held piece the new fragment touches; bytes no piece holds are always taken from the new
/// fragment.
/// </summary>
/// <remarks>
/// <para>"Held piece" is what survives of an earlier fragment, with its current start: a piece whose head was
/// overwritten starts where the overwriting ended, as a BSD or Linux stack trims the fragment it keeps. "New" is the
/// arriving fragment with the offsets it was sent with.</para>
/// <para>Sources: the conditions follow the insert code of Snort's frag3 (<c>spp_frag3.c</c>, <c>Frag3Insert</c>:
/// left-side overlaps trim the new fragment except for last and bsd-right; right-side overlaps per policy) and of
/// Suricata (<c>src/defrag.c</c>, <c>DefragInsertFrag</c>), and reproduce the reassembled bytes of Suricata's
/// <c>DefragSturgesNovak*Test</c> unit tests for every policy both implement (see the tests). bsd-right is frag3's
/// alone: "favor new fragments with lower/equal offset, EXCEPT when the existing fragment ends with at a
/// higher/equal offset".</para>
/// </remarks>
internal static class OverlapRules
{
    /// <summary>
    /// True when the bytes of [<paramref name="newStart"/>, <paramref name="newEnd"/>) replace those of the held piece
    /// [<paramref name="heldStart"/>, <paramref name="heldEnd"/>) where the two overlap. Not for
    /// <see cref="OverlapPolicy.LinuxModern"/>, which refuses overlaps instead of resolving them.
    /// </summary>
    public static bool NewDataWins(OverlapPolicy policy, int heldStart, int heldEnd, int newStart, int newEnd) => policy switch
    {
        OverlapPolicy.First => false,
        OverlapPolicy.Last => true,

        // 4.4BSD ip_reass: the new fragment is trimmed against the piece before it (the one starting at or before
        // it), and trims every piece that starts after it.
        OverlapPolicy.Bsd => newStart < heldStart,

        // Linux 2.4 ip_frag_queue: the same, but "before" is strictly before, so an equal offset goes to the new one.
        OverlapPolicy.Linux => newStart <= heldStart,

        // Only a fragment that strictly encloses a held piece replaces it (frag3: "Old packet is overlapped on both
        // sides... Drop the old packet"); every partial overlap keeps the old bytes.
        OverlapPolicy.Windows => newStart < heldStart && newEnd > heldEnd,

        // As Windows, but a fragment that starts before a piece and ends exactly where it ends replaces it too.
        OverlapPolicy.Solaris => newStart < heldStart && newEnd >= heldEnd,

        // frag3: a held piece that starts earlier keeps its bytes only if it reaches the new fragment's end; a piece
        // starting at or after the new fragment is replaced only if the new fragment covers it to its end.
        OverlapPolicy.BsdRight => heldStart < newStart ? heldEnd < newEnd : newEnd >= heldEnd,

        _ => throw new ArgumentOutOfRangeException(nameof(policy), policy, "linux-modern does not resolve overlaps."),
    };
}
