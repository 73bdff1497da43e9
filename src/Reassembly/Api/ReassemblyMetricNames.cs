namespace Reassembly;

/// <summary>
/// The meter and instrument names an engine publishes (<see cref="ReassemblyOptions.PublishMetrics"/>), for
/// <c>dotnet-counters monitor --counters Reassembly</c> or OpenTelemetry's <c>AddMeter("Reassembly")</c>.
/// </summary>
/// <remarks>
/// <para>Every instrument is observable and reads the engine's counters at collection time. Per-family instruments
/// carry the tags <c>reassembly.namespace</c> (<see cref="NamespaceStatistics.Name"/>) and <c>network.type</c>
/// (<c>ipv4</c> or <c>ipv6</c>, OpenTelemetry's name for the family). Counters are cumulative since the engine was
/// created; <see cref="ReassemblyEngine.Reset"/> sets them back to zero, which collectors see as a counter reset,
/// and a removed namespace stops being reported.</para>
/// <para>The workers are not stopped while values are read, so one collection may see one counter a frame ahead of
/// another; each value is a whole, untorn count.</para>
/// </remarks>
public static class ReassemblyMetricNames
{
    /// <summary>The meter's name: <c>Reassembly</c>.</summary>
    public const string MeterName = "Reassembly";

    /// <summary>Tag: the namespace's name.</summary>
    public const string NamespaceTag = "reassembly.namespace";

    /// <summary>Tag: the family, <c>ipv4</c> or <c>ipv6</c>.</summary>
    public const string FamilyTag = "network.type";

    /// <summary>Tag of <see cref="Failures"/>: <c>timeout</c>, <c>overlap</c>, <c>evicted</c>, <c>refused</c> or <c>other</c>.</summary>
    public const string ReasonTag = "reassembly.reason";

    /// <summary>Tag of <see cref="Anomalies"/>: the kind, as <see cref="AnomalyKindNames.ToName"/> spells it.</summary>
    public const string KindTag = "reassembly.anomaly";

    /// <summary>Counter, per namespace and family: frames of the family (Frames).</summary>
    public const string Frames = "reassembly.frames";

    /// <summary>Counter, per namespace and family: fragments received for reassembly (ReasmReqds).</summary>
    public const string Fragments = "reassembly.fragments";

    /// <summary>Counter, per namespace and family: datagrams reassembled (ReasmOKs).</summary>
    public const string Datagrams = "reassembly.datagrams";

    /// <summary>
    /// Counter, per namespace, family and reason: failures (ReasmFails) split as <c>timeout</c> (ReasmTimeout),
    /// <c>overlap</c> (ReasmOverlaps) and <c>other</c> (the rest: inconsistent ends, zero-length, too many fragments,
    /// non-multiple-of-8); the three add up to ReasmFails.
    /// </summary>
    public const string Failures = "reassembly.failures";

    /// <summary>Counter, per namespace and family: datagrams expired (ReasmTimeout), the <c>timeout</c> share of <see cref="Failures"/>.</summary>
    public const string Timeouts = "reassembly.timeouts";

    /// <summary>Counter, per namespace and family: datagrams dropped for an overlap (ReasmOverlaps).</summary>
    public const string Overlaps = "reassembly.overlaps";

    /// <summary>Counter, per namespace and family: packets whose headers contradict their bytes (Malformed).</summary>
    public const string Malformed = "reassembly.malformed";

    /// <summary>UpDownCounter, per namespace and family: incomplete datagrams held now.</summary>
    public const string QueuesInUse = "reassembly.queues.usage";

    /// <summary>Counter, per anomaly kind (engine-wide, both families): anomalies reported.</summary>
    public const string Anomalies = "reassembly.anomalies";

    /// <summary>
    /// Up-down counter, per namespace (tag <see cref="NamespaceTag"/> only): the truesize in bytes of the incomplete
    /// datagrams held, every family together, as the memory limits count it.
    /// </summary>
    public const string MemoryUsage = "reassembly.memory.usage";
}
