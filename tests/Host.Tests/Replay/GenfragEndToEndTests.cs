using System.Buffers.Binary;
using System.Text.Json;
using Reassembly.Host.Tests.Helpers;
using Xunit.Abstractions;

namespace Reassembly.Host.Tests.Replay;

/// <summary>
/// End to end against ../shared/bench/genfrag.py: generate a workload, replay it with the real command line, and
/// check the statistics and the output capture against the generator's sidecar.
/// </summary>
public sealed class GenfragEndToEndTests
{
    private readonly ITestOutputHelper _output;

    public GenfragEndToEndTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Theory]
    [InlineData("--datagrams 3000 --size 1200-8000 --hosts 500 --ipv6-share 0.3 --shuffle 64 --drop-share 0.02 --seed 1")]
    [InlineData("--datagrams 2000 --size 100-3000 --hosts 50 --ipv6-share 0.5 --shuffle 0 --seed 2")]
    [InlineData("--datagrams 2000 --size 1-600 --mtu 576 --hosts 10 --ipv6-share 0.5 --force-fragment --shuffle 300 --drop-share 0.1 --seed 3")]
    [InlineData("--datagrams 1500 --size 30000-65000 --hosts 20 --ipv6-share 0.5 --shuffle 100 --drop-share 0.05 --pad-min-frame --seed 4")]
    public void EveryCompleteDatagramIsReassembledWithTheSidecarsBytes(string arguments)
    {
        using var temp = new TempDirectory();
        JsonElement sidecar = Generate(temp, arguments, out string input);
        string output = temp.File("out.pcap");
        JsonElement stats = Replay(temp, input, output);

        foreach (string family in new[] { "ipv4", "ipv6" })
        {
            JsonElement expected = sidecar.GetProperty("per_family").GetProperty(family);
            JsonElement actual = stats.GetProperty(family);
            Assert.Equal(expected.GetProperty("reassembled").GetInt64(), actual.GetProperty("ReasmOKs").GetInt64());
            Assert.Equal(expected.GetProperty("incomplete").GetInt64(), actual.GetProperty("ReasmTimeout").GetInt64());
            Assert.Equal(expected.GetProperty("fragments").GetInt64(), actual.GetProperty("ReasmReqds").GetInt64());
            Assert.Equal(0, actual.GetProperty("Malformed").GetInt64());
            Assert.Equal(0, actual.GetProperty("Evicted").GetInt64());
        }

        CheckOutput(sidecar, input, output, sidecar.GetProperty("expected_reassembled").GetInt64(), sidecar.GetProperty("expected_reassembled_ip_bytes").GetInt64());
    }

    [Theory]
    [InlineData("--datagrams 3000 --size 1200-8000 --hosts 200 --ipv6-share 0.3 --shuffle 64 --overlap-share 0.2 --drop-share 0.02 --seed 5")]
    [InlineData("--datagrams 2000 --size 100-4000 --hosts 30 --ipv6-share 0.6 --shuffle 8 --overlap-share 0.5 --seed 6")]
    public void OverlapsFollowTheLinuxRuleExactly(string arguments)
    {
        using var temp = new TempDirectory();
        JsonElement sidecar = Generate(temp, arguments, out string input);
        string output = temp.File("out.pcap");
        JsonElement stats = Replay(temp, input, output);

        (int modelIpv4, int modelIpv6) = LinuxReassemblyModel.CountReassembled(CapturedFrames.Read(input));
        long oks = stats.GetProperty("ipv4").GetProperty("ReasmOKs").GetInt64() + stats.GetProperty("ipv6").GetProperty("ReasmOKs").GetInt64();
        _output.WriteLine($"model {modelIpv4}+{modelIpv6}, engine {oks}, sidecar [{sidecar.GetProperty("expected_reassembled_overlap_discard")}, {sidecar.GetProperty("expected_reassembled")}]");

        Assert.InRange(oks, sidecar.GetProperty("expected_reassembled_overlap_discard").GetInt64(), sidecar.GetProperty("expected_reassembled").GetInt64());
        Assert.Equal(modelIpv4, stats.GetProperty("ipv4").GetProperty("ReasmOKs").GetInt64());
        Assert.Equal(modelIpv6, stats.GetProperty("ipv6").GetProperty("ReasmOKs").GetInt64());
        Assert.True(stats.GetProperty("ipv4").GetProperty("ReasmOverlaps").GetInt64() + stats.GetProperty("ipv6").GetProperty("ReasmOverlaps").GetInt64() > 0, "the workload should contain fatal overlaps");
        CheckOutput(sidecar, input, output, oks, expectedBytes: null);
    }

    private JsonElement Generate(TempDirectory temp, string arguments, out string input)
    {
        Assert.True(File.Exists(RepositoryPaths.Genfrag), $"genfrag.py not found at {RepositoryPaths.Genfrag} (../shared beside the repository)");
        input = temp.File("w.pcap");
        ProcessRunner.Result generated = ProcessRunner.Run("python3", [RepositoryPaths.Genfrag, "-o", input, "-q", .. arguments.Split(' ')]);
        Assert.True(generated.ExitCode == 0, generated.StandardError);
        return JsonDocument.Parse(File.ReadAllText(input + ".json")).RootElement.Clone();
    }

    private JsonElement Replay(TempDirectory temp, string input, string output)
    {
        string stats = temp.File("stats.json");
        // The sidecar and the model know nothing of memory limits: room for every incomplete datagram (the 30-65 KB
        // workload leaves ~54 incomplete for 30 s, which with those in flight passes the 4 MiB default).
        ProcessRunner.Result result = ProcessRunner.Reassembly("replay", input, "-o", output, "--stats", stats, "--mem-high", "256M", "--mem-low", "256M", "--mem-global", "1G");
        _output.WriteLine(result.StandardError);
        Assert.True(result.ExitCode == 0, result.StandardError);
        return JsonDocument.Parse(File.ReadAllText(stats)).RootElement.Clone();
    }

    /// <summary>
    /// The output holds the unfragmented packets plus one packet per reassembled datagram; every UDP checksum in it
    /// verifies (genfrag computed them over the whole datagram, so a wrong byte anywhere fails); and, when the
    /// sidecar knows it, the reassembled IP bytes add up to its figure.
    /// </summary>
    private static void CheckOutput(JsonElement sidecar, string input, string output, long reassembled, long? expectedBytes)
    {
        List<CapturedFrames.Frame> inputFrames = CapturedFrames.Read(input);
        List<CapturedFrames.Frame> outputFrames = CapturedFrames.Read(output);
        long unfragmented = sidecar.GetProperty("unfragmented_datagrams").GetInt64();
        Assert.Equal(unfragmented + reassembled, outputFrames.Count);

        long unfragmentedBytes = 0;
        foreach (CapturedFrames.Frame frame in inputFrames)
        {
            if (!IsFragment(frame.Data))
            {
                unfragmentedBytes += IpLength(frame.Data);
            }
        }

        long outputBytes = 0;
        foreach (CapturedFrames.Frame frame in outputFrames)
        {
            Assert.False(IsFragment(frame.Data), "no fragment reaches the output");
            Assert.True(UdpChecksumVerifies(frame.Data), "the UDP checksum of every output packet verifies");
            outputBytes += IpLength(frame.Data);
        }

        if (expectedBytes is { } bytes)
        {
            Assert.Equal(bytes, outputBytes - unfragmentedBytes);
        }
    }

    private static bool IsV4(byte[] frame) => BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(12)) == 0x0800;

    private static bool IsFragment(byte[] frame) => IsV4(frame)
        ? (BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(20)) & 0x3FFF) != 0
        : frame[20] == 44;

    private static int IpLength(byte[] frame) => IsV4(frame)
        ? BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(16))
        : 40 + BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(18));

    private static bool UdpChecksumVerifies(byte[] frame)
    {
        ulong sum;
        int udpStart;
        int udpLength;
        if (IsV4(frame))
        {
            int ihl = (frame[14] & 0xF) * 4;
            udpStart = 14 + ihl;
            udpLength = BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(16)) - ihl;
            if (BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(udpStart + 6)) == 0)
            {
                return true;
            }

            sum = Sum(frame.AsSpan(26, 8)) + 17 + (ulong)udpLength;
        }
        else
        {
            udpStart = 54;
            udpLength = BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(18));
            sum = Sum(frame.AsSpan(22, 32)) + 17 + (ulong)udpLength;
        }

        sum += Sum(frame.AsSpan(udpStart, udpLength));
        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return sum == 0xFFFF;
    }

    private static ulong Sum(ReadOnlySpan<byte> data)
    {
        ulong sum = 0;
        int i = 0;
        for (; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data.Slice(i));
        }

        if (i < data.Length)
        {
            sum += (ulong)data[i] << 8;
        }

        return sum;
    }
}
