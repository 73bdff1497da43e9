using Reassembly.Memory;

namespace Reassembly;

// Memory limits (issue 5): what incomplete datagrams may hold, per namespace and in all, and what happens at the limit.
public sealed partial class ReassemblyOptions
{
    /// <summary>
    /// A namespace's fragment memory (truesize: buffers plus per-queue and per-fragment bookkeeping) above which it
    /// evicts or refuses (<see cref="MemoryMode"/>): Linux's <c>net.ipv4.ipfrag_high_thresh</c>.
    /// </summary>
    /// <remarks>
    /// Defaults to 4 MiB, Linux's value: about 59 complete 64 KiB datagrams, or about 449 queues of one small
    /// fragment each (a flood's). <see cref="long.MaxValue"/> turns the limit off.
    /// </remarks>
    public long MemoryHighThresholdBytes { get; init; } = 4L * 1024 * 1024;

    /// <summary>The usage an eviction brings a namespace back down to: Linux's <c>ipfrag_low_thresh</c>.</summary>
    /// <remarks>
    /// Defaults to 3 MiB, Linux's value, so that a flood costs one eviction pass per megabyte, not one per fragment.
    /// Must not exceed <see cref="MemoryHighThresholdBytes"/>.
    /// </remarks>
    public long MemoryLowThresholdBytes { get; init; } = 3L * 1024 * 1024;

    /// <summary>The cap on every namespace's fragment memory together (Linux has none).</summary>
    /// <remarks>
    /// Defaults to 64 MiB: sixteen namespaces at their high threshold, and a bound however many namespaces a
    /// selector creates (one per VLAN allows 4096).
    /// </remarks>
    public long MemoryGlobalLimitBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>What a namespace does at its high threshold (or when the global cap is reached).</summary>
    /// <remarks>
    /// Defaults to <see cref="MemoryPressureMode.Evict"/>: the oldest queues go (those of a source over its fair share
    /// first), so new datagrams still reassemble during a flood. <see cref="MemoryPressureMode.Refuse"/> is today's
    /// Linux: new datagrams are refused until expiry frees memory.
    /// </remarks>
    public MemoryPressureMode MemoryMode { get; init; } = MemoryPressureMode.Evict;

    /// <summary>The accountant's limits for these options.</summary>
    internal MemoryLimits ToMemoryLimits() => new()
    {
        HighThresholdBytes = MemoryHighThresholdBytes,
        LowThresholdBytes = MemoryLowThresholdBytes,
        GlobalLimitBytes = MemoryGlobalLimitBytes,

        // 256 KiB (three full datagrams in flight) unless the namespace is small: then a quarter of it, so that a
        // flooding source is over its share long before it holds the whole namespace.
        PeerShareFloorBytes = Math.Min(256L * 1024, MemoryHighThresholdBytes / 4),
        Mode = MemoryMode,
    };

    private void ValidateMemory()
    {
        if (MemoryHighThresholdBytes < 0 || MemoryLowThresholdBytes < 0 || MemoryGlobalLimitBytes < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ReassemblyOptions), "Memory limits must not be negative.");
        }

        if (MemoryLowThresholdBytes > MemoryHighThresholdBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(ReassemblyOptions), "MemoryLowThresholdBytes must not exceed MemoryHighThresholdBytes.");
        }

        if (!Enum.IsDefined(MemoryMode))
        {
            throw new ArgumentOutOfRangeException(nameof(ReassemblyOptions), "MemoryMode is not a known memory pressure mode.");
        }
    }
}
