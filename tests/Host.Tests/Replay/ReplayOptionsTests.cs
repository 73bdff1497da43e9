using System.Text.Json;
using Reassembly.Host.Tests.Helpers;

namespace Reassembly.Host.Tests.Replay;

public sealed class ReplayOptionsTests
{
    [Fact]
    public void ReassembledOnlyWritesJustTheReassembledDatagrams()
    {
        using var temp = new TempDirectory();
        string output = temp.File("out.pcap");
        ProcessRunner.Result result = ProcessRunner.Reassembly("replay", Path.Combine(RepositoryPaths.Pcaps, "sample.pcap"), "-o", output, "--reassembled-only", "-q");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(20, CapturedFrames.Read(output).Count);
    }

    [Fact]
    public void StatisticsGoToStandardOutputWithADash()
    {
        ProcessRunner.Result result = ProcessRunner.Reassembly("replay", Path.Combine(RepositoryPaths.Pcaps, "sample.pcap"), "--stats", "-", "-q");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.StandardOutput);
        Assert.Equal(13, json.RootElement.GetProperty("ipv4").GetProperty("ReasmOKs").GetInt64());
        Assert.Equal(7, json.RootElement.GetProperty("ipv6").GetProperty("ReasmOKs").GetInt64());
    }

    [Fact]
    public void APcapngInputCanBeWrittenAsPcapngAndReadsBackIdentically()
    {
        using var temp = new TempDirectory();
        string viaPcapng = temp.File("out.pcapng");
        ProcessRunner.Result result = ProcessRunner.Reassembly("replay", Path.Combine(RepositoryPaths.Pcaps, "sample.pcap"), "-o", viaPcapng, "--output-format", "pcapng", "-q");
        Assert.Equal(0, result.ExitCode);

        string viaPcap = temp.File("out.pcap");
        ProcessRunner.Reassembly("replay", Path.Combine(RepositoryPaths.Pcaps, "sample.pcap"), "-o", viaPcap, "-q");

        List<CapturedFrames.Frame> a = CapturedFrames.Read(viaPcapng);
        List<CapturedFrames.Frame> b = CapturedFrames.Read(viaPcap);
        Assert.Equal(b.Count, a.Count);
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(b[i].Data, a[i].Data);
            Assert.Equal(b[i].TimestampNanoseconds, a[i].TimestampNanoseconds);
        }
    }

    [Fact]
    public void AShortTimeoutExpiresDatagramsWhoseFragmentsArriveTooFarApart()
    {
        // multi-interface.pcapng spreads fragments over seconds of packet time; a 1 ms timeout loses them.
        using var temp = new TempDirectory();
        string stats = temp.File("stats.json");
        ProcessRunner.Reassembly("replay", Path.Combine(RepositoryPaths.Pcaps, "multi-interface.pcapng"), "--stats", stats, "--ipv4-timeout", "0.000001", "--ipv6-timeout", "0.000001", "-q");

        using var json = JsonDocument.Parse(File.ReadAllText(stats));
        Assert.Equal(0, json.RootElement.GetProperty("ipv4").GetProperty("ReasmOKs").GetInt64() + json.RootElement.GetProperty("ipv6").GetProperty("ReasmOKs").GetInt64());
        Assert.True(json.RootElement.GetProperty("ipv4").GetProperty("ReasmTimeout").GetInt64() > 0);
    }
}
