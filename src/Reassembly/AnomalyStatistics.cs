namespace Reassembly;

/// <summary>A snapshot of how many anomalies of each kind an engine reported, both families together.</summary>
public sealed class AnomalyStatistics
{
    private readonly long[] _counts;

    internal AnomalyStatistics(long[] counts)
    {
        _counts = counts;
    }

    /// <summary>How many anomalies of <paramref name="kind"/> were reported.</summary>
    public long this[AnomalyKind kind] => _counts[(int)kind];
}
