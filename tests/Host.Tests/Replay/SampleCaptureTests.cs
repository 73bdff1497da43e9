using System.Text.Json;
using Reassembly.Host.Tests.Helpers;

namespace Reassembly.Host.Tests.Replay;

/// <summary>
/// Replays every capture in pcaps/ with the real command line and compares the output, frame by frame and byte for
/// byte, with the expected output that pcaps/generate.py wrote beside it.
/// </summary>
public sealed class SampleCaptureTests
{
    public static TheoryData<string> Captures()
    {
        var data = new TheoryData<string>();
        foreach (string sidecar in Directory.GetFiles(RepositoryPaths.Pcaps, "*.json").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileNameWithoutExtension(sidecar));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void ReplayOutputMatchesTheSidecarByteForByte(string name)
    {
        using JsonDocument sidecar = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Pcaps, name + ".json")));
        JsonElement root = sidecar.RootElement;
        string extension = root.GetProperty("input_format").GetString() == "pcapng" ? ".pcapng" : ".pcap";
        using var temp = new TempDirectory();
        string output = temp.File("out" + extension);
        string stats = temp.File("stats.json");

        string[] extra = root.TryGetProperty("replay_arguments", out JsonElement arguments)
            ? arguments.EnumerateArray().Select(a => a.GetString()!).ToArray()
            : [];
        ProcessRunner.Result result = ProcessRunner.Reassembly(["replay", Path.Combine(RepositoryPaths.Pcaps, name + extension), "-o", output, "--stats", stats, .. extra]);

        int expectedExit = root.TryGetProperty("exit_code", out JsonElement exit) ? exit.GetInt32() : 0;
        Assert.True(expectedExit == result.ExitCode, $"exit code {result.ExitCode}, expected {expectedExit}; stderr: {result.StandardError}");
        Assert.DoesNotContain("Unhandled exception", result.StandardError, StringComparison.Ordinal);

        using JsonDocument statistics = JsonDocument.Parse(File.ReadAllText(stats));
        foreach (string family in new[] { "ipv4", "ipv6" })
        {
            JsonElement expected = root.GetProperty("expected").GetProperty(family);
            JsonElement actual = statistics.RootElement.GetProperty(family);
            Assert.Equal(expected.GetProperty("reassembled").GetInt64(), actual.GetProperty("ReasmOKs").GetInt64());
            Assert.Equal(expected.GetProperty("not_fragmented").GetInt64(), actual.GetProperty("NotFragmented").GetInt64());
            Assert.Equal(expected.GetProperty("malformed").GetInt64(), actual.GetProperty("Malformed").GetInt64());
        }

        // 6LoWPAN sidecars (generate_lowpan.py) name the lowpan counters as --stats does.
        if (root.GetProperty("expected").TryGetProperty("lowpan", out JsonElement lowpan))
        {
            JsonElement actual = statistics.RootElement.GetProperty("lowpan");
            foreach (JsonProperty counter in lowpan.EnumerateObject())
            {
                Assert.True(counter.Value.GetInt64() == actual.GetProperty(counter.Name).GetInt64(), $"{name}: lowpan {counter.Name} is {actual.GetProperty(counter.Name)}, expected {counter.Value}");
            }
        }

        List<CapturedFrames.Frame> frames = CapturedFrames.Read(output);
        JsonElement[] expectedFrames = root.GetProperty("output").EnumerateArray().ToArray();
        Assert.Equal(expectedFrames.Length, frames.Count);
        for (int i = 0; i < frames.Count; i++)
        {
            JsonElement expected = expectedFrames[i];
            Assert.True(
                expected.GetProperty("hex").GetString() == Convert.ToHexString(frames[i].Data).ToLowerInvariant(),
                $"{name}: output frame {i} differs");
            Assert.Equal(expected.GetProperty("ts_ns").GetInt64(), frames[i].TimestampNanoseconds);
            Assert.Equal(expected.GetProperty("interface").GetInt32(), frames[i].InterfaceId);
        }
    }

    [Fact]
    public void ATruncatedCaptureIsReportedInOneLineAndWhatWasReadIsStillWritten()
    {
        using var temp = new TempDirectory();
        string output = temp.File("out.pcap");

        ProcessRunner.Result result = ProcessRunner.Reassembly("replay", Path.Combine(RepositoryPaths.Pcaps, "truncated.pcap"), "-o", output, "-q");

        Assert.Equal(2, result.ExitCode);
        string line = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("truncated.pcap: truncated", line, StringComparison.Ordinal);
        Assert.Equal(2, CapturedFrames.Read(output).Count);
    }
}
