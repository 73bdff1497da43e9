using Reassembly.Capture;
using Reassembly.Host.Replay.Parallel;

namespace Reassembly.Host.Replay;

/// <summary>Everything a replay needs, as parsed from the command line.</summary>
internal sealed class ReplaySettings
{
    public required string InputPath { get; init; }

    public string? OutputPath { get; init; }

    /// <summary>Null: the input's format.</summary>
    public CaptureFormat? OutputFormat { get; init; }

    /// <summary>Null: no statistics file; "-": standard output.</summary>
    public string? StatisticsPath { get; init; }

    public bool ReassembledOnly { get; init; }

    /// <summary>With <c>--shard K/N</c>: this instance keeps the frames whose address-pair hash is K modulo N.</summary>
    public int ShardIndex { get; init; }

    /// <summary>1 without <c>--shard</c>.</summary>
    public int ShardCount { get; init; } = 1;

    /// <summary>Write the output with direct I/O where possible (<see cref="CaptureWriterOptions.DirectIo"/>).</summary>
    public bool DirectOutput { get; init; } = true;

    public bool Quiet { get; init; }

    /// <summary>Draw a progress bar on standard error while reading (a terminal and no <c>-q</c>: <see cref="Progress.ReplayProgressReporter.ShouldShow"/>).</summary>
    public bool ShowProgress { get; init; }

    /// <summary><c>--compare-policies</c>: also reassemble under every policy and report the datagrams that differ.</summary>
    public bool ComparePolicies { get; init; }

    public required ReassemblyOptions Engine { get; init; }

    /// <summary>
    /// <c>--worker-threads</c>: threads that run the engine's workers in a parallel replay, 1 to its worker count; null
    /// lets <see cref="ParallelReplayPipeline.DefaultWorkerThreads"/> choose from the cores.
    /// </summary>
    public int? WorkerThreads { get; init; }

    /// <summary>The <c>--events</c> output, already given to <see cref="Engine"/> as its sink; null without <c>--events</c>.</summary>
    public AnomalyJsonLinesWriter? Events { get; init; }

    /// <summary>With several workers: the engine's sink, which puts <see cref="Events"/> back in input order.</summary>
    public OrderedAnomalySink? OrderedEvents { get; init; }
}
