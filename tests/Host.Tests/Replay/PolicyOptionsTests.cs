using System.Text.Json;
using Reassembly.Host.Tests.Helpers;

namespace Reassembly.Host.Tests.Replay;

/// <summary>The IDS options of <c>replay</c>: policies, the policy map, anomaly events and their counts.</summary>
public sealed class PolicyOptionsTests
{
    private static string Overlap => Path.Combine(RepositoryPaths.Pcaps, "overlap.pcap");

    [Fact]
    public void ATargetPolicyReassemblesWhatLinuxModernDrops()
    {
        using var temp = new TempDirectory();
        string modern = temp.File("modern.json");
        string bsd = temp.File("bsd.json");
        Assert.Equal(0, ProcessRunner.Reassembly("replay", Overlap, "--stats", modern, "-q").ExitCode);
        Assert.Equal(0, ProcessRunner.Reassembly("replay", Overlap, "--stats", bsd, "--policy", "bsd", "-q").ExitCode);

        using var a = JsonDocument.Parse(File.ReadAllText(modern));
        using var b = JsonDocument.Parse(File.ReadAllText(bsd));
        long Oks(JsonDocument d) => d.RootElement.GetProperty("ipv4").GetProperty("ReasmOKs").GetInt64() + d.RootElement.GetProperty("ipv6").GetProperty("ReasmOKs").GetInt64();
        Assert.True(Oks(b) > Oks(a), $"bsd reassembled {Oks(b)}, linux-modern {Oks(a)}");
        Assert.Equal(0, b.RootElement.GetProperty("ipv4").GetProperty("ReasmOverlaps").GetInt64());
        Assert.True(b.RootElement.GetProperty("anomalies").GetProperty("overlap").GetInt64() > 0);
    }

    [Fact]
    public void EventsAreJsonLinesWhoseCountsMatchTheStatistics()
    {
        using var temp = new TempDirectory();
        string events = temp.File("events.jsonl");
        string stats = temp.File("stats.json");
        ProcessRunner.Result result = ProcessRunner.Reassembly("replay", Overlap, "--events", events, "--stats", stats, "--policy", "first", "-q");
        Assert.Equal(0, result.ExitCode);

        var counts = new Dictionary<string, long>();
        foreach (string line in File.ReadAllLines(events))
        {
            using var json = JsonDocument.Parse(line);
            string kind = json.RootElement.GetProperty("kind").GetString()!;
            counts[kind] = counts.GetValueOrDefault(kind) + 1;
            Assert.Equal("first", json.RootElement.GetProperty("policy").GetString());
            Assert.True(json.RootElement.TryGetProperty("src", out _));
        }

        using var statistics = JsonDocument.Parse(File.ReadAllText(stats));
        foreach (JsonProperty kind in statistics.RootElement.GetProperty("anomalies").EnumerateObject())
        {
            Assert.Equal(kind.Value.GetInt64(), counts.GetValueOrDefault(kind.Name));
        }

        Assert.True(counts.GetValueOrDefault("overlap") > 0);
    }

    [Fact]
    public void ThePolicyMapChoosesThePolicyByDestination()
    {
        // overlap.pcap sends IPv4 to 198.51.100.5 and IPv6 to 2001:db8:6::6.
        using var temp = new TempDirectory();
        string map = temp.File("map.txt");
        File.WriteAllText(map, "# test map\n198.51.100.0/24 windows\n198.51.100.5 last   # the host itself wins\n2001:db8:6::/48 solaris\n");
        string events = temp.File("events.jsonl");
        Assert.Equal(0, ProcessRunner.Reassembly("replay", Overlap, "--events", events, "--policy-map", map, "-q").ExitCode);

        var policies = new HashSet<string>();
        foreach (string line in File.ReadAllLines(events))
        {
            using var json = JsonDocument.Parse(line);
            policies.Add(json.RootElement.GetProperty("family").GetString() + " " + json.RootElement.GetProperty("policy").GetString());
        }

        Assert.Equal(["ipv4 last", "ipv6 solaris"], policies.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Ipv6PolicyOverridesPolicyForIpv6Only()
    {
        using var temp = new TempDirectory();
        string events = temp.File("events.jsonl");
        Assert.Equal(0, ProcessRunner.Reassembly("replay", Overlap, "--events", events, "--policy", "linux", "--ipv6-policy", "bsd-right", "-q").ExitCode);

        foreach (string line in File.ReadAllLines(events))
        {
            using var json = JsonDocument.Parse(line);
            string expected = json.RootElement.GetProperty("family").GetString() == "ipv4" ? "linux" : "bsd-right";
            Assert.Equal(expected, json.RootElement.GetProperty("policy").GetString());
        }
    }

    [Fact]
    public void ABadPolicyMapLineIsACommandLineErrorNamingTheLine()
    {
        using var temp = new TempDirectory();
        string map = temp.File("map.txt");
        File.WriteAllText(map, "10.0.0.0/8 windows\n10.0.0.0/8 beos\n");

        ProcessRunner.Result result = ProcessRunner.Reassembly("replay", Overlap, "--policy-map", map);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("map.txt:2: 'beos' is not a policy", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void ANamespacePolicyAppliesInsideItsNamespaceAndEventsNameTheNamespace()
    {
        using var temp = new TempDirectory();
        string events = temp.File("events.jsonl");

        ProcessRunner.Result result = ProcessRunner.Reassembly("replay", Overlap, "--events", events, "--namespace-by", "interface", "--namespace-policy", "interface=0=solaris", "-q");

        Assert.True(result.ExitCode == 0, result.StandardError);
        JsonElement[] overlaps = File.ReadAllLines(events).Select(l => JsonDocument.Parse(l).RootElement.Clone()).Where(e => e.GetProperty("kind").GetString() == "overlap").ToArray();
        Assert.NotEmpty(overlaps);
        Assert.All(overlaps, e => Assert.Equal("interface=0", e.GetProperty("namespace").GetString()));
        Assert.All(overlaps, e => Assert.Equal("solaris", e.GetProperty("policy").GetString()));
    }

    [Theory]
    [InlineData("interface=0")]
    [InlineData("interface=0=win")]
    [InlineData("=bsd")]
    public void AMalformedNamespacePolicyIsACommandLineError(string entry)
    {
        ProcessRunner.Result result = ProcessRunner.Reassembly("replay", Overlap, "--namespace-policy", entry);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--namespace-policy", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownPolicyNameIsACommandLineError()
    {
        Assert.Equal(1, ProcessRunner.Reassembly("replay", Overlap, "--policy", "Linux").ExitCode);
    }

    [Fact]
    public void AnEventsFileThatCannotBeCreatedExitsWithThree()
    {
        ProcessRunner.Result result = ProcessRunner.Reassembly("replay", Overlap, "--events", "/nonexistent-dir/events.jsonl", "-q");
        Assert.Equal(3, result.ExitCode);
    }
}
