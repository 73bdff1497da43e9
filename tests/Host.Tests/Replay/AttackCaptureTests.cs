using System.Text.Json;
using Reassembly.Host.Tests.Helpers;

namespace Reassembly.Host.Tests.Replay;

/// <summary>
/// Replays every attack capture in pcaps/attacks/ under every overlap policy with the real command line, and compares
/// the output byte for byte, and the anomaly counts, with what pcaps/generate.py wrote down for that policy (Novak's
/// pattern: Suricata's DefragSturgesNovak*Test bytes; see pcaps/README.md for each case and its source).
/// </summary>
public sealed class AttackCaptureTests
{
    private static string Attacks => Path.Combine(RepositoryPaths.Pcaps, "attacks");

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (string sidecar in Directory.GetFiles(Attacks, "*.json").Order(StringComparer.Ordinal))
        {
            using JsonDocument json = JsonDocument.Parse(File.ReadAllText(sidecar));
            foreach (JsonProperty policy in json.RootElement.GetProperty("policies").EnumerateObject())
            {
                data.Add(Path.GetFileNameWithoutExtension(sidecar), policy.Name);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EachPolicyRebuildsTheBytesWrittenDownForIt(string capture, string policy)
    {
        using JsonDocument sidecar = JsonDocument.Parse(File.ReadAllText(Path.Combine(Attacks, capture + ".json")));
        JsonElement expected = sidecar.RootElement.GetProperty("policies").GetProperty(policy);
        using var temp = new TempDirectory();
        string output = temp.File("out.pcap");
        string stats = temp.File("stats.json");

        ProcessRunner.Result result = ProcessRunner.Reassembly("replay", Path.Combine(Attacks, capture + ".pcap"), "-o", output, "--stats", stats, "--policy", policy, "-q");
        Assert.True(result.ExitCode == 0, $"exit code {result.ExitCode}; stderr: {result.StandardError}");

        List<CapturedFrames.Frame> frames = CapturedFrames.Read(output);
        JsonElement[] expectedFrames = expected.GetProperty("output").EnumerateArray().ToArray();
        Assert.True(expectedFrames.Length == frames.Count, $"{capture}/{policy}: {frames.Count} frames out, expected {expectedFrames.Length}");
        for (int i = 0; i < frames.Count; i++)
        {
            Assert.True(
                expectedFrames[i].GetProperty("hex").GetString() == Convert.ToHexString(frames[i].Data).ToLowerInvariant(),
                $"{capture}/{policy}: output frame {i} differs");
            Assert.Equal(expectedFrames[i].GetProperty("ts_ns").GetInt64(), frames[i].TimestampNanoseconds);
        }

        // Every kind: the sidecar lists the non-zero counts, so any other kind must be zero.
        using JsonDocument statistics = JsonDocument.Parse(File.ReadAllText(stats));
        JsonElement anomalies = expected.GetProperty("anomalies");
        foreach (JsonProperty kind in statistics.RootElement.GetProperty("anomalies").EnumerateObject())
        {
            long want = anomalies.TryGetProperty(kind.Name, out JsonElement count) ? count.GetInt64() : 0;
            Assert.True(want == kind.Value.GetInt64(), $"{capture}/{policy}: {kind.Value.GetInt64()} {kind.Name} anomalies, expected {want}");
        }
    }
}
