using System.Text.Json;

namespace Reassembly.Host.Replay;

/// <summary>
/// Writes the <c>--stats</c> document: <c>{"ipv4": {...}, "ipv6": {...}, "capture": {...}, "namespaces": {...},
/// "anomalies": {...}}</c>, family counters named as Linux's SNMP counters (the top-level families are the sums over
/// the namespaces), anomaly counts by kind name (every kind, zeros included).
/// </summary>
internal static class StatisticsJson
{
    /// <param name="destination">Where the document goes.</param>
    /// <param name="statistics">The engine's counters.</param>
    /// <param name="outcome">The command's own counters.</param>
    /// <param name="captureExtras">Writes more properties into <c>"capture"</c> (the daemon's libpcap drop counters), or null.</param>
    public static void Write(Stream destination, ReassemblyStatistics statistics, ReplayOutcome outcome, Action<Utf8JsonWriter>? captureExtras = null)
    {
        using var json = new Utf8JsonWriter(destination, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        WriteFamily(json, "ipv4", statistics.Ipv4);
        WriteFamily(json, "ipv6", statistics.Ipv6);
        json.WriteStartObject("capture");
        json.WriteNumber("Frames", statistics.Frames);
        json.WriteNumber("NotIp", statistics.NotIp);
        json.WriteNumber("LinkErrors", statistics.LinkErrors);
        json.WriteBoolean("ReadWhole", outcome.InputProblem is null);
        json.WriteBoolean("Truncated", outcome.Truncated);
        json.WriteNumber("FramesWritten", outcome.FramesWritten);
        json.WriteNumber("DatagramsWritten", outcome.DatagramsWritten);
        json.WriteNumber("PassedThroughWritten", outcome.PassedThroughWritten);
        json.WriteNumber("FramesOutsideShard", outcome.FramesOutsideShard);
        captureExtras?.Invoke(json);
        json.WriteEndObject();
        json.WriteStartObject("namespaces");
        foreach (NamespaceStatistics ns in statistics.Namespaces)
        {
            json.WriteStartObject(ns.Name);
            if (ns.VlanId is { } vlan)
            {
                json.WriteNumber("VlanId", vlan);
            }

            if (ns.InterfaceId is { } itf)
            {
                json.WriteNumber("InterfaceId", itf);
            }

            WriteFamily(json, "ipv4", ns.Ipv4);
            WriteFamily(json, "ipv6", ns.Ipv6);
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteStartObject("anomalies");
        foreach (AnomalyKind kind in Enum.GetValues<AnomalyKind>())
        {
            json.WriteNumber(AnomalyKindNames.ToName(kind), statistics.Anomalies[kind]);
        }

        json.WriteEndObject();
        json.WriteEndObject();
        json.Flush();
        destination.Write("\n"u8);
    }

    private static void WriteFamily(Utf8JsonWriter json, string name, FamilyStatistics family)
    {
        json.WriteStartObject(name);
        json.WriteNumber("ReasmReqds", family.ReasmReqds);
        json.WriteNumber("ReasmOKs", family.ReasmOKs);
        json.WriteNumber("ReasmFails", family.ReasmFails);
        json.WriteNumber("ReasmTimeout", family.ReasmTimeout);
        json.WriteNumber("ReasmOverlaps", family.ReasmOverlaps);
        json.WriteNumber("Frames", family.Frames);
        json.WriteNumber("NotFragmented", family.NotFragmented);
        json.WriteNumber("Malformed", family.Malformed);
        json.WriteEndObject();
    }
}
