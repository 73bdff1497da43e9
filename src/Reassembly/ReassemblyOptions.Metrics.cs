using System.Diagnostics.Metrics;

namespace Reassembly;

// Metrics (issue 8): where the engine's Reassembly meter comes from.
public sealed partial class ReassemblyOptions
{
    /// <summary>
    /// Whether the engine publishes its counters on a <see cref="Meter"/> named <see cref="ReassemblyMetricNames.MeterName"/>
    /// (see <see cref="ReassemblyMetricNames"/>), which <c>dotnet-counters</c> and OpenTelemetry pick up by name.
    /// </summary>
    /// <remarks>
    /// Defaults to true. The instruments are observable: they read the engine's own counters when a listener collects,
    /// so they cost nothing per frame. Turn it off for helper engines whose figures would be counted twice (a process
    /// with several engines publishes one set of instruments per engine, each with the same names and tags).
    /// </remarks>
    public bool PublishMetrics { get; init; } = true;

    /// <summary>
    /// Creates the engine's meter, as the host's dependency injection provides it; null creates a plain
    /// <see cref="Meter"/> owned (and disposed) by the engine.
    /// </summary>
    /// <remarks>Defaults to null.</remarks>
    public IMeterFactory? MeterFactory { get; init; }
}
