using System.Security.Cryptography;
using System.Text.Json;
using Reassembly.Host.Tests.Helpers;

namespace Reassembly.Host.Tests.Replay;

/// <summary><c>replay --compare-policies</c>: every policy at once, and the datagrams whose bytes differ.</summary>
public sealed class ComparePoliciesTests
{
    [Fact]
    public void TheNovakPatternDivergesIntoOneGroupPerPolicyWithTheBytesEachPolicyRebuilds()
    {
        string attacks = Path.Combine(RepositoryPaths.Pcaps, "attacks");
        using var temp = new TempDirectory();
        string events = temp.File("events.jsonl");
        string output = temp.File("out.pcap");

        ProcessRunner.Result result = ProcessRunner.Reassembly("replay", Path.Combine(attacks, "novak-ipv4.pcap"), "--compare-policies", "--events", events, "-o", output, "--policy", "windows");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("policy comparison: 1 of 1 reassembled datagrams differ between policies", result.StandardError, StringComparison.Ordinal);
        string divergenceLine = Assert.Single(File.ReadAllLines(events), line => line.Contains("\"policy-divergence\"", StringComparison.Ordinal));
        using var divergence = JsonDocument.Parse(divergenceLine);
        Assert.Equal(8, divergence.RootElement.GetProperty("groups").GetArrayLength());

        // Each policy's hash is that of the packet the sidecar expects for it (the frame minus its 14-byte Ethernet header).
        using var sidecar = JsonDocument.Parse(File.ReadAllText(Path.Combine(attacks, "novak-ipv4.json")));
        JsonElement outcomes = divergence.RootElement.GetProperty("outcomes");
        foreach (JsonProperty policy in sidecar.RootElement.GetProperty("policies").EnumerateObject())
        {
            JsonElement[] expected = policy.Value.GetProperty("output").EnumerateArray().ToArray();
            JsonElement[] actual = outcomes.GetProperty(policy.Name).EnumerateArray().ToArray();
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                byte[] frame = Convert.FromHexString(expected[i].GetProperty("hex").GetString()!);
                string hash = Convert.ToHexString(SHA256.HashData(frame.AsSpan(14))).ToLowerInvariant();
                Assert.Equal(hash, actual[i].GetProperty("sha256").GetString());
            }
        }

        // The output capture follows --policy.
        string windows = sidecar.RootElement.GetProperty("policies").GetProperty("windows").GetProperty("output")[0].GetProperty("hex").GetString()!;
        Assert.Equal(windows, Convert.ToHexString(Assert.Single(CapturedFrames.Read(output)).Data).ToLowerInvariant());
    }

    [Fact]
    public void ACaptureWithoutOverlapsHasNoDivergence()
    {
        ProcessRunner.Result result = ProcessRunner.Reassembly("replay", Path.Combine(RepositoryPaths.Pcaps, "raw.pcap"), "--compare-policies");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("policy comparison: 0 of 4 reassembled datagrams differ", result.StandardError, StringComparison.Ordinal);
    }
}
