namespace Reassembly.Tests.Helpers;

/// <summary>Keeps every anomaly an engine reports.</summary>
internal sealed class RecordingSink : IAnomalySink
{
    public List<AnomalyEvent> Events { get; } = [];

    public void OnAnomaly(in AnomalyEvent anomaly) => Events.Add(anomaly);

    public List<AnomalyEvent> OfKind(AnomalyKind kind) => Events.FindAll(e => e.Kind == kind);
}
