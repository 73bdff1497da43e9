using Reassembly.Host.Tests.Helpers;

namespace Reassembly.Host.Tests.Replay;

/// <summary>The output must open in Wireshark's engine without a warning (.ci/run installs tshark).</summary>
public sealed class TsharkCompatibilityTests
{
    [Theory]
    [InlineData("sample.pcap", "out.pcap")]
    [InlineData("multi-interface.pcapng", "out.pcapng")]
    [InlineData("big-endian-ns.pcap", "out.pcap")]
    [InlineData("ethernet-vlan.pcap", "out.pcapng")]
    public void TsharkReadsTheOutputWithoutWarningsAndSeesNoFragments(string input, string outputName)
    {
        string tshark = ProcessRunner.Which("tshark")
            ?? throw new InvalidOperationException("tshark is not installed: run .ci/run (it installs it) or apt-get install tshark");
        using var temp = new TempDirectory();
        string output = temp.File(outputName);
        ProcessRunner.Result replay = ProcessRunner.Reassembly("replay", Path.Combine(RepositoryPaths.Pcaps, input), "-o", output, "-q");
        Assert.Equal(0, replay.ExitCode);

        ProcessRunner.Result read = ProcessRunner.Run(tshark, ["-r", output, "-T", "fields", "-e", "frame.number", "-e", "ip.flags.mf", "-e", "ipv6.fraghdr.nxt", "-e", "_ws.expert.severity"]);

        Assert.True(read.ExitCode == 0, read.StandardError);
        // tshark warns when run as root (CI is root); anything else on stderr is a complaint about our file.
        string[] complaints = read.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(line => !line.StartsWith("Running as user", StringComparison.Ordinal)).ToArray();
        Assert.Empty(complaints);
        string[] lines = read.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(CapturedFrames.Read(output).Count, lines.Length);
        foreach (string line in lines)
        {
            string[] fields = line.Split('\t');
            Assert.True(fields[1] is "" or "0" or "False", $"frame {fields[0]} still has MF set");
            Assert.True(fields[2] == string.Empty, $"frame {fields[0]} still has an IPv6 Fragment header");
        }
    }
}
