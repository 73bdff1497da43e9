namespace Reassembly.Host.Replay;

/// <summary>How a replay went, beyond the engine's counters.</summary>
internal sealed class ReplayOutcome
{
    /// <summary>One line saying why the input was not read whole, or null.</summary>
    public string? InputProblem { get; set; }

    public bool Truncated { get; set; }

    public long FramesWritten { get; set; }

    public long DatagramsWritten { get; set; }

    public long PassedThroughWritten { get; set; }

    /// <summary>Frames left to the other instances by <c>--shard</c>.</summary>
    public long FramesOutsideShard { get; set; }

    /// <summary>Where the time of a replay on several threads went, per stage; null on one thread.</summary>
    public Parallel.PipelineTimings? Pipeline { get; set; }
}
