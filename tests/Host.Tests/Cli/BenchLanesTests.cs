using System.Text.Json;
using Reassembly.Host.Tests.Helpers;

namespace Reassembly.Host.Tests.Cli;

/// <summary>
/// <c>reassembly bench --threads N --lanes M</c>: however the lanes are spread over the threads, and whichever thread
/// runs which chunk of a lane, every pass reassembles what one thread does (the sidecar's count), as long as no memory
/// limit is reached.
/// </summary>
public sealed class BenchLanesTests
{
    private const string RoomForEverything = "--mem-high 256M --mem-low 192M --mem-global 1G";

    [Theory]
    [InlineData("1", "0")]
    [InlineData("1", "3")]
    [InlineData("2", "0")]
    [InlineData("2", "2")]
    [InlineData("2", "7")]
    [InlineData("4", "16")]
    public void Every_spread_of_lanes_over_threads_reassembles_what_the_sidecar_expects(string threads, string lanes)
    {
        using var temp = new TempDirectory();
        string input = temp.File("w.pcap");

        // More frames than a few chunks per lane, so that lanes are taken in turn and (with more lanes than threads) stolen.
        ProcessRunner.Result generated = ProcessRunner.Run("python3", [RepositoryPaths.Genfrag, "-o", input, "-q", "--datagrams", "6000", "--size", "1200-8000", "--hosts", "300", "--ipv6-share", "0.3", "--shuffle", "64", "--drop-share", "0.02", "--seed", "11"]);
        Assert.True(generated.ExitCode == 0, generated.StandardError);
        long expected = JsonDocument.Parse(File.ReadAllText(input + ".json")).RootElement.GetProperty("expected_reassembled").GetInt64();

        ProcessRunner.Result result = ProcessRunner.Reassembly(["bench", input, "--passes", "3", "--threads", threads, "--lanes", lanes, .. RoomForEverything.Split(' ')]);

        Assert.True(result.ExitCode == 0, result.StandardError);
        using var json = JsonDocument.Parse(result.StandardOutput.TrimEnd().Split('\n')[^1]);
        Assert.Equal(expected, json.RootElement.GetProperty("reassembled").GetInt64());
        string[] passes = [.. result.StandardError.Split('\n').Where(line => line.StartsWith("pass ", StringComparison.Ordinal))];
        Assert.Equal(3, passes.Length);
        foreach (string pass in passes)
        {
            // One thread prints its time alone; several print each one's busy time and the chunks it stole.
            Assert.Equal(threads != "1", pass.Contains("threads busy", StringComparison.Ordinal));
            Assert.Equal(threads != "1", pass.Contains("chunks stolen", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("2", "1")]
    [InlineData("1", "257")]
    [InlineData("1", "-1")]
    public void Fewer_lanes_than_threads_or_more_than_the_engine_has_workers_is_a_usage_error(string threads, string lanes)
    {
        ProcessRunner.Result result = ProcessRunner.Reassembly("bench", Path.Combine(RepositoryPaths.Pcaps, "sample.pcap"), "--threads", threads, "--lanes", lanes);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--lanes must be 0 or between --threads", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
    }
}
