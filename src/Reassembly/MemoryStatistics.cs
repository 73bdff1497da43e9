using Reassembly.Memory;

namespace Reassembly;

/// <summary>
/// A snapshot of an engine's fragment memory (truesize bytes: buffers plus per-queue and per-fragment bookkeeping)
/// over every namespace, with the limits in force (<see cref="ReassemblyOptions.MemoryHighThresholdBytes"/> and the rest).
/// </summary>
/// <remarks>
/// Workers fold their usage into the shared accounts in batches (at most 64 KiB, an eighth of the band between the
/// thresholds). <see cref="PeakBytes"/> is the highest of: the global account's folded peak, the usage now, and the
/// largest namespace peak (<see cref="NamespaceStatistics.PeakMemoryBytes"/>, exact with one worker). With one
/// namespace and one worker it is exact.
/// </remarks>
public sealed record MemoryStatistics
{
    /// <summary>Memory held now by incomplete datagrams.</summary>
    public long UsedBytes { get; init; }

    /// <summary>The most memory held at once.</summary>
    public long PeakBytes { get; init; }

    /// <summary>The per-namespace high threshold.</summary>
    public long HighThresholdBytes { get; init; }

    /// <summary>The per-namespace low threshold.</summary>
    public long LowThresholdBytes { get; init; }

    /// <summary>The cap over all namespaces.</summary>
    public long GlobalLimitBytes { get; init; }

    /// <summary>What happens at the limits.</summary>
    public MemoryPressureMode Mode { get; init; }
}
