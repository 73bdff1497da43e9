namespace Reassembly.Memory;

/// <summary>Limits of a <see cref="MemoryAccountant"/>: per-namespace thresholds, the global cap and the fair-share floor.</summary>
/// <remarks>All sizes are truesize bytes (<see cref="TrueSize"/>), not payload bytes.</remarks>
internal sealed class MemoryLimits
{
    private long _high = 4L * 1024 * 1024;
    private long _low = 3L * 1024 * 1024;
    private long _global = 64L * 1024 * 1024;
    private long _peerShareFloor = 256L * 1024;

    /// <summary>Limits that are never reached (usage is still counted), the null object for an unbounded engine.</summary>
    public static MemoryLimits Unlimited { get; } = new()
    {
        HighThresholdBytes = long.MaxValue,
        LowThresholdBytes = long.MaxValue,
        GlobalLimitBytes = long.MaxValue,
        PeerShareFloorBytes = long.MaxValue,
    };

    /// <summary>A namespace's usage above which it evicts (or refuses), Linux's <c>ipfrag_high_thresh</c>.</summary>
    /// <remarks>
    /// Defaults to 4 MiB because that is Linux's <c>ipfrag_high_thresh</c> (since 4.17): about 59 complete 64 KiB
    /// datagrams here (70,904 truesize bytes each, see <see cref="TrueSize"/>), against Linux's 32, or about 449 of
    /// the single small fragments a flood sends. Unbounded, a flood of fragments that never complete holds memory
    /// for the whole timeout (30 s of line rate: gigabytes).
    /// </remarks>
    public long HighThresholdBytes
    {
        get => _high;
        init => _high = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "HighThresholdBytes must not be negative.");
    }

    /// <summary>The usage an eviction brings a namespace down to, Linux's <c>ipfrag_low_thresh</c>.</summary>
    /// <remarks>
    /// Defaults to 3 MiB because that is Linux's <c>ipfrag_low_thresh</c>: evicting a whole megabyte at a time means
    /// a flood pays for one eviction pass per megabyte, not one per fragment. Equal to the high threshold, every
    /// charge over it evicts; much lower, each pass throws away datagrams that would have completed.
    /// </remarks>
    public long LowThresholdBytes
    {
        get => _low;
        init => _low = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "LowThresholdBytes must not be negative.");
    }

    /// <summary>The hard cap on all namespaces together, enforced in both modes.</summary>
    /// <remarks>
    /// Defaults to 64 MiB because that is sixteen namespaces at their high threshold, more than a host with a handful
    /// of namespaces ever uses, and a fixed bound however many namespaces a selector creates (one per VLAN allows
    /// 4096: 16 GiB at 4 MiB each without it). Linux has no global cap; its thresholds are per netns only.
    /// </remarks>
    public long GlobalLimitBytes
    {
        get => _global;
        init => _global = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "GlobalLimitBytes must not be negative.");
    }

    /// <summary>Usage below which a peer is never judged over its fair share (<see cref="FairShare"/>).</summary>
    /// <remarks>
    /// Defaults to 256 KiB because that is more than three full 64 KiB datagrams in flight, which a legitimate sender
    /// rarely exceeds, so benign peers are not singled out when thousands of spoofed sources split the namespace
    /// (oldest-first eviction handles those, since benign datagrams complete young). Zero singles out any peer above
    /// the average; very large turns fair shares off.
    /// </remarks>
    public long PeerShareFloorBytes
    {
        get => _peerShareFloor;
        init => _peerShareFloor = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "PeerShareFloorBytes must not be negative.");
    }

    /// <summary>What a namespace does at its high threshold.</summary>
    /// <remarks>
    /// Defaults to <see cref="MemoryPressureMode.Evict"/> because the design card asks for it: during a flood new
    /// datagrams still reassemble (the flood's old queues make room), where <see cref="MemoryPressureMode.Refuse"/>
    /// refuses every new datagram until the flood's queues time out (30 s).
    /// </remarks>
    public MemoryPressureMode Mode { get; init; } = MemoryPressureMode.Evict;

    /// <summary>Checks the relations between the limits (each is checked on its own when set).</summary>
    internal void Validate()
    {
        if (_low > _high)
        {
            throw new ArgumentOutOfRangeException(nameof(LowThresholdBytes), _low, "LowThresholdBytes must not exceed HighThresholdBytes.");
        }

        if (!Enum.IsDefined(Mode))
        {
            throw new ArgumentOutOfRangeException(nameof(Mode), Mode, "Mode is not a known memory pressure mode.");
        }
    }
}
