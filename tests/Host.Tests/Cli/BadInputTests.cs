using Reassembly.Host.Tests.Helpers;

namespace Reassembly.Host.Tests.Cli;

/// <summary>Bad input is one clear line and exit code 2, never a stack trace.</summary>
public sealed class BadInputTests
{
    [Theory]
    [InlineData("missing", "no such file")]
    [InlineData("empty", "")]
    [InlineData("text", "")]
    [InlineData("short-header", "")]
    public void ABadInputFileIsOneLineNamingItAndExitCodeTwo(string kind, string expectedText)
    {
        using var temp = new TempDirectory();
        string input = temp.File(kind + ".pcap");
        switch (kind)
        {
            case "empty":
                File.WriteAllBytes(input, []);
                break;
            case "text":
                File.WriteAllText(input, "this is not a capture file, just some text that goes on for a while\n");
                break;
            case "short-header":
                File.WriteAllBytes(input, [0xD4, 0xC3, 0xB2, 0xA1, 2, 0, 4, 0]);
                break;
        }

        ProcessRunner.Result result = ProcessRunner.Reassembly("replay", input, "-o", temp.File("out.pcap"));

        Assert.Equal(2, result.ExitCode);
        string line = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("reassembly: ", StringComparison.Ordinal) && l.Contains(input, StringComparison.Ordinal));
        Assert.Contains(expectedText, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusingToOverwriteTheInputIsAUsageError()
    {
        string input = Path.Combine(RepositoryPaths.Pcaps, "raw.pcap");
        ProcessRunner.Result result = ProcessRunner.Reassembly("replay", input, "-o", input);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("would overwrite the input", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnwritableOutputIsExitCodeThreeWithOneLine()
    {
        ProcessRunner.Result result = ProcessRunner.Reassembly("replay", Path.Combine(RepositoryPaths.Pcaps, "raw.pcap"), "-o", "/nonexistent-directory/out.pcap", "-q");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("/nonexistent-directory/out.pcap", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void ANegativeTimeoutIsRejectedByTheCommandLine()
    {
        ProcessRunner.Result result = ProcessRunner.Reassembly("replay", Path.Combine(RepositoryPaths.Pcaps, "raw.pcap"), "--ipv4-timeout", "-1");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--ipv4-timeout", result.StandardError, StringComparison.Ordinal);
    }
}
