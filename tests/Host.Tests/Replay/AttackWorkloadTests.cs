using System.Text.Json;
using Reassembly.Host.Tests.Helpers;
using Xunit.Abstractions;

namespace Reassembly.Host.Tests.Replay;

/// <summary>
/// The attack workloads of bench/attacks/attackgen.py, small, replayed with tight memory limits: memory stays within
/// the limits (the peak), every fragment and datagram is counted, the replay runs to the end, and under a
/// single-source flood the other sources' datagrams still reassemble.
/// </summary>
public sealed class AttackWorkloadTests(ITestOutputHelper output)
{
    private const long High = 512 * 1024;
    private const long Low = 384 * 1024;

    // A limit is passed by at most one fold (an eighth of the band) plus one queue's growth (a 64 KiB buffer and bookkeeping).
    private const long Slack = ((High - Low) / 8) + 70_000;

    private static string Generator => Path.Combine(RepositoryPaths.Root, "bench", "attacks", "attackgen.py");

    [Theory]
    [InlineData("flood --count 20000", "evict")]
    [InlineData("collide --count 20000", "evict")]
    [InlineData("flood --count 20000", "refuse")]
    [InlineData("smack --datagrams 4 --per-datagram 3000", "evict")]
    public void Memory_stays_within_the_limits_and_every_fragment_is_counted(string arguments, string mode)
    {
        using var temp = new TempDirectory();
        JsonElement sidecar = Generate(temp, arguments, out string input);
        JsonElement stats = Replay(input, temp, "--mem-mode", mode);
        JsonElement ipv4 = stats.GetProperty("ipv4");
        JsonElement memory = stats.GetProperty("memory");
        long fragments = sidecar.GetProperty("fragments").GetInt64();

        Assert.True(stats.GetProperty("capture").GetProperty("ReadWhole").GetBoolean());
        Assert.Equal(fragments, ipv4.GetProperty("ReasmReqds").GetInt64());
        Assert.Equal(0, ipv4.GetProperty("ReasmOKs").GetInt64());
        Assert.InRange(memory.GetProperty("PeakBytes").GetInt64(), 1, High + Slack);
        Assert.Equal(0, memory.GetProperty("UsedBytes").GetInt64());
        long evicted = ipv4.GetProperty("Evicted").GetInt64();
        long refused = ipv4.GetProperty("Refused").GetInt64();
        Assert.Equal(evicted, stats.GetProperty("anomalies").GetProperty("eviction").GetInt64());
        Assert.Equal(refused, stats.GetProperty("anomalies").GetProperty("refusal").GetInt64());
        if (mode == "refuse")
        {
            Assert.Equal(0, evicted);
            Assert.True(refused > fragments / 2, $"{refused} refused");
        }
        else
        {
            Assert.Equal(0, refused);
        }

        if (!arguments.StartsWith("smack", StringComparison.Ordinal))
        {
            Assert.True(evicted + refused > fragments / 2, $"{evicted} evicted, {refused} refused");

            // One fragment per datagram with a fresh key: each is refused, evicted or expired at the end, nothing else.
            Assert.Equal(fragments, refused + evicted + ipv4.GetProperty("ReasmTimeout").GetInt64());
            Assert.Equal(fragments, ipv4.GetProperty("ReasmFails").GetInt64());
        }
        else
        {
            // Tiny overlapping fragments: the overlaps drop their datagrams, and what is left expires at the end.
            Assert.True(ipv4.GetProperty("ReasmOverlaps").GetInt64() > 0);
            Assert.Equal(ipv4.GetProperty("ReasmFails").GetInt64(), ipv4.GetProperty("ReasmOverlaps").GetInt64() + ipv4.GetProperty("ReasmTimeout").GetInt64() + evicted);
        }
    }

    [Fact]
    public void Datagrams_of_8189_fragments_in_reverse_order_reassemble()
    {
        using var temp = new TempDirectory();
        JsonElement sidecar = Generate(temp, "reverse --datagrams 3", out string input);

        // Default limits: one such datagram is about 0.85 MiB of truesize, more than the other tests' 512 KiB.
        JsonElement stats = Replay(input, temp, limits: false);
        JsonElement ipv4 = stats.GetProperty("ipv4");
        Assert.Equal(sidecar.GetProperty("fragments").GetInt64(), ipv4.GetProperty("ReasmReqds").GetInt64());
        Assert.Equal(3, ipv4.GetProperty("ReasmOKs").GetInt64());
        Assert.Equal(0, ipv4.GetProperty("ReasmFails").GetInt64());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Under_a_single_source_flood_every_benign_datagram_from_other_sources_reassembles(int threads)
    {
        using var temp = new TempDirectory();
        JsonElement sidecar = Generate(temp, "mixed --count 30000 --benign-every 25 --benign-spread 5", out string input);
        JsonElement stats = Replay(input, temp, "--threads", threads.ToString(System.Globalization.CultureInfo.InvariantCulture));
        JsonElement ipv4 = stats.GetProperty("ipv4");

        Assert.Equal(sidecar.GetProperty("fragments").GetInt64(), ipv4.GetProperty("ReasmReqds").GetInt64());
        Assert.Equal(sidecar.GetProperty("benign_datagrams").GetInt64(), ipv4.GetProperty("ReasmOKs").GetInt64());
        Assert.True(ipv4.GetProperty("Evicted").GetInt64() > 10_000);
        Assert.InRange(stats.GetProperty("memory").GetProperty("PeakBytes").GetInt64(), 1, High + Slack);
    }

    private JsonElement Generate(TempDirectory temp, string arguments, out string input)
    {
        input = temp.File("attack.pcap");
        string[] split = arguments.Split(' ');
        ProcessRunner.Result generated = ProcessRunner.Run("python3", [Generator, split[0], input, .. split[1..]]);
        Assert.True(generated.ExitCode == 0, generated.StandardError);
        return JsonDocument.Parse(File.ReadAllText(input + ".json")).RootElement.Clone();
    }

    private JsonElement Replay(string input, TempDirectory temp, params string[] extra) => Replay(input, temp, true, extra);

    private JsonElement Replay(string input, TempDirectory temp, bool limits, params string[] extra)
    {
        string stats = temp.File("stats.json");
        string[] memory = limits ? ["--mem-high", "512K", "--mem-low", "384K"] : [];
        ProcessRunner.Result result = ProcessRunner.Reassembly(["replay", input, "--stats", stats, .. memory, .. extra]);
        output.WriteLine(result.StandardError);
        Assert.True(result.ExitCode == 0, result.StandardError);
        return JsonDocument.Parse(File.ReadAllText(stats)).RootElement.Clone();
    }
}
