using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Reassembly.Core;
using Reassembly.Namespaces;

namespace Reassembly.Diagnostics;

/// <summary>
/// An engine's <c>Reassembly</c> meter (names in <see cref="ReassemblyMetricNames"/>): observable instruments only,
/// whose callbacks read the counters the workers keep anyway, so the packet path pays nothing for them.
/// </summary>
/// <remarks>
/// Threading: the callbacks run on the collector's thread while workers run. Each counter is a 64-bit field written by
/// its one worker; reading it from another thread yields some recent whole value (aligned 64-bit loads do not tear
/// on the platforms .NET runs on), which is all a metric needs, so no fence is taken on either side. The namespace
/// list is copied under the table's creation lock, which the packet path takes only to create a namespace.
/// Measurements are built per collection (a few per namespace), never per frame.
/// </remarks>
internal sealed class ReassemblyMetrics : IDisposable
{
    private static readonly string[] Reasons = ["timeout", "overlap", "evicted", "refused", "other"];

    private readonly NamespaceTable _namespaces;
    private readonly ReassemblyWorker[] _workers;
    private readonly Meter _meter;
    private readonly bool _ownsMeter;

    public ReassemblyMetrics(NamespaceTable namespaces, ReassemblyWorker[] workers, IMeterFactory? factory)
    {
        _namespaces = namespaces;
        _workers = workers;
        _ownsMeter = factory is null;
        _meter = factory?.Create(new MeterOptions(ReassemblyMetricNames.MeterName)) ?? new Meter(ReassemblyMetricNames.MeterName);

        PerFamily(ReassemblyMetricNames.Frames, "{frame}", "Frames of the family.", static c => c.Frames);
        PerFamily(ReassemblyMetricNames.Fragments, "{fragment}", "Fragments received for reassembly.", static c => c.ReasmReqds);
        PerFamily(ReassemblyMetricNames.Datagrams, "{datagram}", "Datagrams reassembled.", static c => c.ReasmOKs);
        PerFamily(ReassemblyMetricNames.Timeouts, "{datagram}", "Datagrams expired before they were complete.", static c => c.ReasmTimeout);
        PerFamily(ReassemblyMetricNames.Overlaps, "{datagram}", "Datagrams dropped because a fragment overlapped held data.", static c => c.ReasmOverlaps);
        PerFamily(ReassemblyMetricNames.Malformed, "{packet}", "Packets whose headers contradict their bytes.", static c => c.Malformed);
        _meter.CreateObservableCounter(ReassemblyMetricNames.Failures, ObserveFailures, "{failure}", "Reassembly failures, by reason.");
        _meter.CreateObservableUpDownCounter(ReassemblyMetricNames.QueuesInUse, ObserveQueues, "{datagram}", "Incomplete datagrams held.");
        _meter.CreateObservableCounter(ReassemblyMetricNames.Anomalies, ObserveAnomalies, "{anomaly}", "Anomalies reported, by kind.");

        _meter.CreateObservableUpDownCounter(ReassemblyMetricNames.MemoryUsage, ObserveMemory, "By", "Truesize of the incomplete datagrams held, per namespace (all families).");
    }

    /// <summary>The meter, for tests that listen to this engine's instruments alone.</summary>
    public Meter Meter => _meter;

    public void Dispose()
    {
        // A meter from a factory belongs to the factory, which disposes it with the host.
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private void PerFamily(string name, string unit, string description, Func<FamilyCounters, long> select) =>
        _meter.CreateObservableCounter(name, () => ObservePerFamily(select), unit, description);

    private List<Measurement<long>> ObservePerFamily(Func<FamilyCounters, long> select)
    {
        ReassemblyNamespace[] namespaces = _namespaces.Snapshot();
        var measurements = new List<Measurement<long>>(namespaces.Length * 2);
        foreach (ReassemblyNamespace ns in namespaces)
        {
            measurements.Add(new Measurement<long>(select(Sum(ns.Ipv4)), Tags(ns, "ipv4")));
            measurements.Add(new Measurement<long>(select(Sum(ns.Ipv6)), Tags(ns, "ipv6")));
            measurements.Add(new Measurement<long>(select(Sum(ns.Lowpan)), Tags(ns, "lowpan")));
        }

        return measurements;
    }

    private List<Measurement<long>> ObserveFailures()
    {
        ReassemblyNamespace[] namespaces = _namespaces.Snapshot();
        var measurements = new List<Measurement<long>>(namespaces.Length * 6);
        foreach (ReassemblyNamespace ns in namespaces)
        {
            AddFailures(measurements, ns, "ipv4", Sum(ns.Ipv4));
            AddFailures(measurements, ns, "ipv6", Sum(ns.Ipv6));
            AddFailures(measurements, ns, "lowpan", Sum(ns.Lowpan));
        }

        return measurements;
    }

    private static void AddFailures(List<Measurement<long>> measurements, ReassemblyNamespace ns, string family, FamilyCounters counters)
    {
        // Read once each, so that the three shares are taken from the same values.
        long fails = counters.ReasmFails, timeouts = counters.ReasmTimeout, overlaps = counters.ReasmOverlaps;
        long evicted = counters.Evicted, refused = counters.Refused;
        long[] values = [timeouts, overlaps, evicted, refused, Math.Max(0, fails - timeouts - overlaps - evicted - refused)];
        for (int i = 0; i < Reasons.Length; i++)
        {
            TagList tags = Tags(ns, family);
            tags.Add(ReassemblyMetricNames.ReasonTag, Reasons[i]);
            measurements.Add(new Measurement<long>(values[i], tags));
        }
    }

    private List<Measurement<int>> ObserveQueues()
    {
        ReassemblyNamespace[] namespaces = _namespaces.Snapshot();
        var measurements = new List<Measurement<int>>(namespaces.Length * 2);
        foreach (ReassemblyNamespace ns in namespaces)
        {
            measurements.Add(new Measurement<int>(Count(ns.Ipv4), Tags(ns, "ipv4")));
            measurements.Add(new Measurement<int>(Count(ns.Ipv6), Tags(ns, "ipv6")));
            measurements.Add(new Measurement<int>(Count(ns.Lowpan), Tags(ns, "lowpan")));
        }

        return measurements;
    }

    private List<Measurement<long>> ObserveMemory()
    {
        ReassemblyNamespace[] namespaces = _namespaces.Snapshot();
        var measurements = new List<Measurement<long>>(namespaces.Length);
        foreach (ReassemblyNamespace ns in namespaces)
        {
            // The shared account plus what each worker has not folded in yet: read without stopping the workers, so
            // possibly a fold apart, never torn (64-bit reads).
            measurements.Add(new Measurement<long>(ns.MemoryInUse, new KeyValuePair<string, object?>(ReassemblyMetricNames.NamespaceTag, ns.Name)));
        }

        return measurements;
    }

    private List<Measurement<long>> ObserveAnomalies()
    {
        var measurements = new List<Measurement<long>>(AnomalyKindNames.Count);
        for (int k = 0; k < AnomalyKindNames.Count; k++)
        {
            long count = 0;
            foreach (ReassemblyWorker worker in _workers)
            {
                count += worker.AnomalyCounts[k];
            }

            measurements.Add(new Measurement<long>(count, new KeyValuePair<string, object?>(ReassemblyMetricNames.KindTag, AnomalyKindNames.ToName((AnomalyKind)k))));
        }

        return measurements;
    }

    private static FamilyCounters Sum(FragmentQueueDirectory[] directories)
    {
        FamilyCounters sum = default;
        foreach (FragmentQueueDirectory directory in directories)
        {
            sum.Add(in directory.Counters);
        }

        return sum;
    }

    private static int Count(FragmentQueueDirectory[] directories)
    {
        int count = 0;
        foreach (FragmentQueueDirectory directory in directories)
        {
            count += directory.Count;
        }

        return count;
    }

    private static TagList Tags(ReassemblyNamespace ns, string family) => new()
    {
        { ReassemblyMetricNames.NamespaceTag, ns.Name },
        { ReassemblyMetricNames.FamilyTag, family },
    };
}
