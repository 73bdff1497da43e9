using System.Text.Json;
using Reassembly.Host.Tests.Helpers;

namespace Reassembly.Host.Tests.Replay;

/// <summary>
/// <c>--shard K/N</c> splits the traffic by address pair before reassembly: N instances together write exactly what
/// one instance writes for the whole capture, each frame once.
/// </summary>
public sealed class ShardTests
{
    [Fact]
    public void Three_shards_together_write_exactly_the_unsharded_output_and_count_the_same()
    {
        using var temp = new TempDirectory();
        Assert.True(File.Exists(RepositoryPaths.Genfrag), $"genfrag.py not found at {RepositoryPaths.Genfrag} (../shared beside the repository)");
        string input = temp.File("w.pcap");
        ProcessRunner.Result generated = ProcessRunner.Run("python3", [RepositoryPaths.Genfrag, "-o", input, "-q", "--datagrams", "2000", "--size", "100-5000", "--hosts", "50", "--ipv6-share", "0.4", "--shuffle", "64", "--drop-share", "0.05", "--seed", "31"]);
        Assert.True(generated.ExitCode == 0, generated.StandardError);

        (List<string> whole, JsonElement wholeStats) = Replay(temp, input, "whole", []);
        var union = new List<string>();
        long oks = 0, outside = 0, frames = 0;
        for (int k = 0; k < 3; k++)
        {
            (List<string> part, JsonElement stats) = Replay(temp, input, $"shard{k}", ["--shard", $"{k}/3"]);
            Assert.True(part.Count > 0, $"shard {k} is empty: the split should spread 50 host pairs");
            union.AddRange(part);
            oks += stats.GetProperty("ipv4").GetProperty("ReasmOKs").GetInt64() + stats.GetProperty("ipv6").GetProperty("ReasmOKs").GetInt64();
            outside += stats.GetProperty("capture").GetProperty("FramesOutsideShard").GetInt64();
            frames += stats.GetProperty("capture").GetProperty("Frames").GetInt64();
        }

        whole.Sort(StringComparer.Ordinal);
        union.Sort(StringComparer.Ordinal);
        Assert.Equal(whole, union);
        Assert.Equal(wholeStats.GetProperty("ipv4").GetProperty("ReasmOKs").GetInt64() + wholeStats.GetProperty("ipv6").GetProperty("ReasmOKs").GetInt64(), oks);
        long total = wholeStats.GetProperty("capture").GetProperty("Frames").GetInt64();
        Assert.Equal(total, frames);
        Assert.Equal(2 * total, outside);
    }

    [Theory]
    [InlineData("3/3")]
    [InlineData("1")]
    [InlineData("-1/2")]
    [InlineData("0/0")]
    public void A_malformed_shard_is_a_command_line_error(string shard)
    {
        ProcessRunner.Result result = ProcessRunner.Reassembly("replay", Path.Combine(RepositoryPaths.Pcaps, "sample.pcap"), "--shard", shard);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--shard", result.StandardError, StringComparison.Ordinal);
    }

    private static (List<string> Frames, JsonElement Stats) Replay(TempDirectory temp, string input, string name, string[] extra)
    {
        string output = temp.File(name + ".pcap");
        string stats = temp.File(name + ".json");
        ProcessRunner.Result result = ProcessRunner.Reassembly(["replay", input, "-o", output, "--stats", stats, "-q", .. extra]);
        Assert.True(result.ExitCode == 0, result.StandardError);
        var frames = CapturedFrames.Read(output).Select(f => $"{f.TimestampNanoseconds}:{f.InterfaceId}:{Convert.ToHexString(f.Data)}").ToList();
        return (frames, JsonDocument.Parse(File.ReadAllText(stats)).RootElement.Clone());
    }
}
