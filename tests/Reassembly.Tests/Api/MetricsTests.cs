using System.Diagnostics.Metrics;

namespace Reassembly.Tests.Api;

public sealed class MetricsTests
{
    [Fact]
    public void The_Reassembly_meter_reports_what_the_statistics_say_after_a_replay_per_namespace_and_family()
    {
        int seed = Environment.TickCount;
        List<(byte[] Frame, long Timestamp)> frames = ApiWorkload.Create(new Random(seed));
        using var factory = new TestMeterFactory();
        var options = new ReassemblyOptions
        {
            Ipv4Timeout = TimeSpan.FromMilliseconds(1),
            Ipv6Timeout = TimeSpan.FromMilliseconds(1.5),
            NamespaceBy = NamespaceSelector.Vlan,
            MeterFactory = factory,
        };
        using var reassembler = Reassembler.Create(options);
        for (int i = 0; i < frames.Count / 2; i++)
        {
            reassembler.Process(frames[i].Frame, LinkType.Ethernet, frames[i].Timestamp).Dispose();
        }

        // Midway, queues are in use: the up-down counter must show them.
        Dictionary<string, long> midway = Collect(factory);
        ReassemblyStatistics halfway = reassembler.GetStatistics();
        Assert.True(halfway.QueuesInUse > 0, $"seed {seed}");
        Assert.Equal(halfway.QueuesInUse, SumOf(midway, ReassemblyMetricNames.QueuesInUse));

        // And the memory they hold, per namespace, as the statistics count it (the engine is idle, so no fold is pending).
        Assert.True(halfway.Memory.UsedBytes > 0, $"seed {seed}");
        foreach (NamespaceStatistics ns in halfway.Namespaces)
        {
            Assert.Equal(ns.MemoryBytes, midway[$"{ReassemblyMetricNames.MemoryUsage}|{ns.Name}"]);
        }

        for (int i = frames.Count / 2; i < frames.Count; i++)
        {
            reassembler.Process(frames[i].Frame, LinkType.Ethernet, frames[i].Timestamp).Dispose();
        }

        reassembler.ExpireAll();
        Dictionary<string, long> measured = Collect(factory);
        ReassemblyStatistics statistics = reassembler.GetStatistics();

        Assert.True(statistics.Namespaces.Count >= 3, $"seed {seed}: the workload spans VLANs");
        Assert.True(statistics.Ipv4.ReasmTimeout > 0 && statistics.Ipv4.ReasmOverlaps + statistics.Ipv6.ReasmOverlaps > 0, $"seed {seed}: timeouts and overlaps");
        foreach (NamespaceStatistics ns in statistics.Namespaces)
        {
            foreach ((string family, FamilyStatistics counters) in new[] { ("ipv4", ns.Ipv4), ("ipv6", ns.Ipv6) })
            {
                string at = $"{ns.Name}|{family}";
                Assert.True(counters.Frames == measured[$"{ReassemblyMetricNames.Frames}|{at}"], $"seed {seed}: frames {at}");
                Assert.True(counters.ReasmReqds == measured[$"{ReassemblyMetricNames.Fragments}|{at}"], $"seed {seed}: fragments {at}");
                Assert.True(counters.ReasmOKs == measured[$"{ReassemblyMetricNames.Datagrams}|{at}"], $"seed {seed}: datagrams {at}");
                Assert.True(counters.ReasmTimeout == measured[$"{ReassemblyMetricNames.Timeouts}|{at}"], $"seed {seed}: timeouts {at}");
                Assert.True(counters.ReasmOverlaps == measured[$"{ReassemblyMetricNames.Overlaps}|{at}"], $"seed {seed}: overlaps {at}");
                Assert.True(counters.Malformed == measured[$"{ReassemblyMetricNames.Malformed}|{at}"], $"seed {seed}: malformed {at}");
                Assert.True(counters.ReasmTimeout == measured[$"{ReassemblyMetricNames.Failures}|{at}|timeout"], $"seed {seed}: failures {at}");
                Assert.True(counters.ReasmOverlaps == measured[$"{ReassemblyMetricNames.Failures}|{at}|overlap"], $"seed {seed}: failures {at}");
                Assert.True(
                    counters.ReasmFails == measured[$"{ReassemblyMetricNames.Failures}|{at}|timeout"] + measured[$"{ReassemblyMetricNames.Failures}|{at}|overlap"]
                        + measured[$"{ReassemblyMetricNames.Failures}|{at}|evicted"] + measured[$"{ReassemblyMetricNames.Failures}|{at}|refused"] + measured[$"{ReassemblyMetricNames.Failures}|{at}|other"],
                    $"seed {seed}: the reasons add up to ReasmFails {at}");
                Assert.Equal(0, measured[$"{ReassemblyMetricNames.QueuesInUse}|{at}"]);
            }

            Assert.Equal(0, measured[$"{ReassemblyMetricNames.MemoryUsage}|{ns.Name}"]);
        }

        foreach (AnomalyKind kind in Enum.GetValues<AnomalyKind>())
        {
            Assert.True(statistics.Anomalies[kind] == measured[$"{ReassemblyMetricNames.Anomalies}|{AnomalyKindNames.ToName(kind)}"], $"seed {seed}: {kind}");
        }

        Assert.True(SumOf(measured, ReassemblyMetricNames.Anomalies) > 0, $"seed {seed}: the workload has anomalies");
    }

    [Fact]
    public void The_meter_is_named_Reassembly_and_disposed_with_the_engine_when_the_engine_created_it()
    {
        var engine = ReassemblyEngine.Create();
        Meter meter = engine.Meter!;
        var published = new List<Instrument>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter == meter)
                {
                    published.Add(instrument);
                }
            },
        };
        listener.Start();

        Assert.Equal(ReassemblyMetricNames.MeterName, meter.Name);
        Assert.Contains(published, i => i.Name == ReassemblyMetricNames.Fragments && i.Unit == "{fragment}");
        Assert.Contains(published, i => i.Name == ReassemblyMetricNames.QueuesInUse && i is ObservableUpDownCounter<int>);
        engine.Dispose();
        var stillPublished = new List<Instrument>();
        using var after = new MeterListener { InstrumentPublished = (instrument, l) => { if (instrument.Meter == meter) { stillPublished.Add(instrument); } } };
        after.Start();
        Assert.Empty(stillPublished);
    }

    [Fact]
    public void PublishMetrics_off_creates_no_meter()
    {
        using var factory = new TestMeterFactory();
        using var engine = ReassemblyEngine.Create(new ReassemblyOptions { PublishMetrics = false, MeterFactory = factory });

        Assert.Null(engine.Meter);
        Assert.Empty(factory.Meters);
    }

    /// <summary>Observes every instrument of the factory's meters once: "instrument|tag values in order" → value.</summary>
    private static Dictionary<string, long> Collect(TestMeterFactory factory)
    {
        var values = new Dictionary<string, long>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (factory.Meters.Contains(instrument.Meter))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => values.Add(Key(instrument, tags), value));
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => values.Add(Key(instrument, tags), value));
        listener.Start();
        listener.RecordObservableInstruments();
        return values;
    }

    private static string Key(Instrument instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var parts = new List<string> { instrument.Name };
        foreach (KeyValuePair<string, object?> tag in tags)
        {
            parts.Add((string)tag.Value!);
        }

        return string.Join('|', parts);
    }

    private static long SumOf(Dictionary<string, long> values, string instrument)
    {
        long sum = 0;
        foreach ((string key, long value) in values)
        {
            if (key.StartsWith(instrument + "|", StringComparison.Ordinal))
            {
                sum += value;
            }
        }

        return sum;
    }

    /// <summary>What a host's dependency injection would supply: meters scoped to the factory, disposed with it.</summary>
    private sealed class TestMeterFactory : IMeterFactory
    {
        public List<Meter> Meters { get; } = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(new MeterOptions(options.Name) { Version = options.Version, Tags = options.Tags, Scope = this });
            Meters.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (Meter meter in Meters)
            {
                meter.Dispose();
            }
        }
    }
}
