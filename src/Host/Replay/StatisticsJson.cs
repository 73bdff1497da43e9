using System.Text.Json;

namespace Reassembly.Host.Replay;

/// <summary>
/// Writes the <c>--stats</c> document: <c>{"ipv4": {...}, "ipv6": {...}, "lowpan": {...}, "capture": {...}, "namespaces": {...},
/// "memory": {...}, "pipeline": {...}, "anomalies": {...}}</c>, family counters named as Linux's SNMP counters (the top-level families
/// are the sums over the namespaces), the stage timings of a replay on several threads (only then), anomaly counts by kind name (every
/// kind, zeros included).
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
        WriteFamily(json, "lowpan", statistics.Lowpan, lowpan: true);
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
            WriteFamily(json, "lowpan", ns.Lowpan, lowpan: true);
            json.WriteStartObject("memory");
            json.WriteNumber("UsedBytes", ns.MemoryBytes);
            json.WriteNumber("PeakBytes", ns.PeakMemoryBytes);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndObject();
        WriteMemory(json, statistics.Memory);
        if (outcome.Pipeline is { } pipeline)
        {
            WritePipeline(json, pipeline);
        }

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

    private static void WritePipeline(Utf8JsonWriter json, Parallel.PipelineTimings pipeline)
    {
        json.WriteStartObject("pipeline");
        json.WriteNumber("Workers", pipeline.Workers);
        json.WriteNumber("WorkerThreads", pipeline.WorkerBusySeconds.Count);
        json.WriteNumber("Segments", pipeline.Segments);
        json.WriteNumber("ReaderWaitingSeconds", Math.Round(pipeline.ReaderWaitingSeconds, 6));
        json.WriteNumber("WritingSeconds", Math.Round(pipeline.WritingSeconds, 6));
        WriteSeconds(json, "WorkerBusySeconds", pipeline.WorkerBusySeconds);
        WriteSeconds(json, "WorkerWaitingSeconds", pipeline.WorkerWaitingSeconds);
        json.WriteEndObject();
    }

    private static void WriteSeconds(Utf8JsonWriter json, string name, IReadOnlyList<double> perWorker)
    {
        json.WriteStartArray(name);
        foreach (double seconds in perWorker)
        {
            json.WriteNumberValue(Math.Round(seconds, 6));
        }

        json.WriteEndArray();
    }

    private static void WriteFamily(Utf8JsonWriter json, string name, FamilyStatistics family, bool lowpan = false)
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
        json.WriteNumber("Evicted", family.Evicted);
        json.WriteNumber("Refused", family.Refused);
        json.WriteNumber("IcmpTimeExceeded", family.IcmpTimeExceeded);
        if (lowpan)
        {
            json.WriteNumber("NotIp", family.NotIp);
            json.WriteNumber("SecurityEnabled", family.SecurityEnabled);
            json.WriteNumber("Unsupported", family.Unsupported);
        }

        json.WriteEndObject();
    }

    private static void WriteMemory(Utf8JsonWriter json, MemoryStatistics memory)
    {
        json.WriteStartObject("memory");
        json.WriteNumber("UsedBytes", memory.UsedBytes);
        json.WriteNumber("PeakBytes", memory.PeakBytes);
        json.WriteNumber("HighThresholdBytes", memory.HighThresholdBytes);
        json.WriteNumber("LowThresholdBytes", memory.LowThresholdBytes);
        json.WriteNumber("GlobalLimitBytes", memory.GlobalLimitBytes);
        json.WriteString("Mode", memory.Mode == Reassembly.Memory.MemoryPressureMode.Refuse ? "refuse" : "evict");
        json.WriteEndObject();
    }
}
