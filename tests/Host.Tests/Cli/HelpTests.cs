using Reassembly.Host.Tests.Helpers;

namespace Reassembly.Host.Tests.Cli;

public sealed class HelpTests
{
    [Fact]
    public void ReplayHelpExplainsEveryOption()
    {
        ProcessRunner.Result result = ProcessRunner.Reassembly("replay", "--help");

        Assert.Equal(0, result.ExitCode);
        foreach (string option in new[] { "--output", "--output-format", "--stats", "--reassembled-only", "--quiet", "--ipv4-timeout", "--ipv6-timeout", "--policy", "--ipv6-policy", "--policy-map", "--events", "--compare-policies", "--mem-high", "--mem-low", "--mem-global", "--mem-mode", "Exit codes" })
        {
            Assert.Contains(option, result.StandardOutput, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void BenchPrintsOneJsonObjectAsItsLastLine()
    {
        ProcessRunner.Result result = ProcessRunner.Reassembly("bench", Path.Combine(RepositoryPaths.Pcaps, "sample.pcap"), "--passes", "3");

        Assert.Equal(0, result.ExitCode);
        string last = result.StandardOutput.TrimEnd().Split('\n')[^1];
        using var json = System.Text.Json.JsonDocument.Parse(last);
        Assert.Equal(76, json.RootElement.GetProperty("frames").GetInt64());
        Assert.Equal(20, json.RootElement.GetProperty("reassembled").GetInt64());
        Assert.True(json.RootElement.GetProperty("fragments_per_second").GetDouble() > 0);
    }
}
