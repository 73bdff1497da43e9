using System.Text.Json;
using Reassembly.Host.Cli;
using Reassembly.Host.Tests.Helpers;

namespace Reassembly.Host.Tests.Cli;

/// <summary>The memory-limit options of replay: sizes with K/M/G suffixes, clear errors, and the limits in --stats.</summary>
public sealed class MemoryOptionsTests
{
    [Theory]
    [InlineData("4194304", 4194304L)]
    [InlineData("512K", 512L * 1024)]
    [InlineData("4M", 4L << 20)]
    [InlineData("4m", 4L << 20)]
    [InlineData("1G", 1L << 30)]
    [InlineData("3MiB", 3L << 20)]
    [InlineData("64KB", 64L * 1024)]
    [InlineData("0", 0L)]
    public void ByteSize_parses_a_count_with_an_optional_binary_suffix(string text, long expected)
    {
        Assert.True(ByteSize.TryParse(text, out long bytes));
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("4X")]
    [InlineData("M")]
    [InlineData("1.5M")]
    [InlineData("99999999999999999999")]
    [InlineData("9999999999G")]
    public void ByteSize_rejects_anything_else(string text)
    {
        Assert.False(ByteSize.TryParse(text, out _));
    }

    [Theory]
    [InlineData("--mem-high", "lots", "--mem-high 'lots'")]
    [InlineData("--mem-global", "-5M", "--mem-global '-5M'")]
    [InlineData("--mem-mode", "drop", "drop")]
    public void A_bad_memory_option_is_a_usage_error_naming_it(string option, string value, string expected)
    {
        string input = Path.Combine(RepositoryPaths.Pcaps, "raw.pcap");
        ProcessRunner.Result result = ProcessRunner.Reassembly("replay", input, option, value);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(expected, result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void A_low_threshold_above_the_high_one_is_a_usage_error()
    {
        string input = Path.Combine(RepositoryPaths.Pcaps, "raw.pcap");
        ProcessRunner.Result result = ProcessRunner.Reassembly("replay", input, "--mem-high", "1M", "--mem-low", "2M");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--mem-low", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void The_limits_and_the_memory_used_are_in_the_statistics()
    {
        using var temp = new TempDirectory();
        string stats = temp.File("stats.json");
        ProcessRunner.Result result = ProcessRunner.Reassembly(
            "replay", Path.Combine(RepositoryPaths.Pcaps, "sample.pcap"), "--stats", stats, "--mem-high", "2M", "--mem-low", "1536K", "--mem-global", "8M", "--mem-mode", "refuse");

        Assert.True(result.ExitCode == 0, result.StandardError);
        JsonElement root = JsonDocument.Parse(File.ReadAllText(stats)).RootElement;
        JsonElement memory = root.GetProperty("memory");
        Assert.Equal(2L << 20, memory.GetProperty("HighThresholdBytes").GetInt64());
        Assert.Equal(1536L * 1024, memory.GetProperty("LowThresholdBytes").GetInt64());
        Assert.Equal(8L << 20, memory.GetProperty("GlobalLimitBytes").GetInt64());
        Assert.Equal("refuse", memory.GetProperty("Mode").GetString());
        Assert.Equal(0, memory.GetProperty("UsedBytes").GetInt64());
        Assert.True(memory.GetProperty("PeakBytes").GetInt64() > 0);
        Assert.Equal(memory.GetProperty("PeakBytes").GetInt64(), root.GetProperty("namespaces").GetProperty("default").GetProperty("memory").GetProperty("PeakBytes").GetInt64());
        foreach (string family in new[] { "ipv4", "ipv6" })
        {
            // The sample holds far less than 2 MiB at any time: nothing is refused.
            Assert.Equal(0, root.GetProperty(family).GetProperty("Refused").GetInt64());
            Assert.Equal(0, root.GetProperty(family).GetProperty("Evicted").GetInt64());
            Assert.True(root.GetProperty(family).TryGetProperty("IcmpTimeExceeded", out _), family);
        }
    }
}
