using System.Text.Json;
using Reassembly.Host.Tests.Helpers;

namespace Reassembly.Host.Tests.Replay;

/// <summary>
/// 6LoWPAN end to end on pcaps/lowpan.pcap (written by pcaps/generate_lowpan.py; its byte-for-byte comparison with the
/// sidecar runs in <see cref="SampleCaptureTests"/>): the output's interfaces, unsupported contexts, the options, and
/// tshark's own 6LoWPAN dissector as a second opinion.
/// </summary>
public sealed class LowpanReplayTests
{
    private const string Context = "0=2001:db8:1::/64";

    private static string Input => Path.Combine(RepositoryPaths.Pcaps, "lowpan.pcap");

    [Fact]
    public void Pcapng_output_keeps_the_frames_without_ipv6_on_the_802154_interface_and_the_packets_on_a_raw_ipv6_one()
    {
        using var temp = new TempDirectory();
        string output = temp.File("out.pcapng");

        ProcessRunner.Result result = ProcessRunner.Reassembly("replay", Input, "-o", output, "--output-format", "pcapng", "--lowpan-context", Context, "-q");

        Assert.True(result.ExitCode == 0, result.StandardError);
        List<CapturedFrames.Frame> frames = CapturedFrames.Read(output);
        Assert.Equal(11, frames.Count(f => f.LinkType == LinkType.Ipv6));
        CapturedFrames.Frame[] passed = frames.Where(f => f.LinkType == LinkType.Ieee802154WithFcs).ToArray();
        Assert.Equal(3, passed.Length); // the acknowledgment, the MAC command and the secured frame, unchanged
        List<CapturedFrames.Frame> input = CapturedFrames.Read(Input);
        JsonElement cases = Sidecar().GetProperty("cases");
        foreach (string name in new[] { "acknowledgment", "mac-command", "secured" })
        {
            byte[] original = input[cases.GetProperty(name)[0].GetInt32()].Data;
            Assert.Contains(passed, f => f.Data.AsSpan().SequenceEqual(original));
        }

        Assert.Equal(frames.OrderBy(f => f.TimestampNanoseconds).Select(f => f.TimestampNanoseconds), frames.Select(f => f.TimestampNanoseconds));
    }

    [Fact]
    public void A_packet_that_uses_a_context_not_given_is_counted_as_unsupported_and_not_guessed()
    {
        using var temp = new TempDirectory();
        string output = temp.File("out.pcap");
        string stats = temp.File("stats.json");

        ProcessRunner.Result result = ProcessRunner.Reassembly("replay", Input, "-o", output, "--stats", stats, "-q");

        Assert.True(result.ExitCode == 0, result.StandardError);
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(stats));
        JsonElement lowpan = document.RootElement.GetProperty("lowpan");
        Assert.Equal(1, lowpan.GetProperty("Unsupported").GetInt64());
        Assert.Equal(6, lowpan.GetProperty("NotFragmented").GetInt64());
        Assert.Equal(1, document.RootElement.GetProperty("anomalies").GetProperty("lowpan-unsupported").GetInt64());
        Assert.Equal(1, document.RootElement.GetProperty("namespaces").GetProperty("default").GetProperty("lowpan").GetProperty("Unsupported").GetInt64());
        Assert.Equal(10, CapturedFrames.Read(output).Count);
    }

    [Theory]
    [InlineData("16=2001:db8::/64")]
    [InlineData("0=192.0.2.0/24")]
    [InlineData("0=2001:db8::")]
    [InlineData("x=2001:db8::/64")]
    public void A_bad_lowpan_context_is_a_command_line_error(string context)
    {
        ProcessRunner.Result result = ProcessRunner.Reassembly("replay", Input, "--lowpan-context", context, "-q");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--lowpan-context", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shorter_lowpan_timeout_expires_datagrams_sooner()
    {
        using var temp = new TempDirectory();
        string stats = temp.File("stats.json");

        // 10 ms between frames: with 15 ms, the out-of-order datagram (three frames) can no longer complete.
        ProcessRunner.Result result = ProcessRunner.Reassembly("replay", Input, "--lowpan-context", Context, "--lowpan-timeout", "0.015", "--stats", stats, "-q");

        Assert.True(result.ExitCode == 0, result.StandardError);
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(stats));
        JsonElement lowpan = document.RootElement.GetProperty("lowpan");
        Assert.True(lowpan.GetProperty("ReasmTimeout").GetInt64() > 3, lowpan.ToString());
        Assert.True(lowpan.GetProperty("ReasmOKs").GetInt64() < 4, lowpan.ToString());
    }

    [Fact]
    public void Tshark_decodes_the_802154_input_as_we_decompress_it()
    {
        string tshark = ProcessRunner.Which("tshark")
            ?? throw new InvalidOperationException("tshark is not installed: run .ci/run (it installs it) or apt-get install tshark");
        using var temp = new TempDirectory();
        string output = temp.File("out.pcap");
        ProcessRunner.Result replay = ProcessRunner.Reassembly("replay", Input, "-o", output, "--lowpan-context", Context, "-q");
        Assert.True(replay.ExitCode == 0, replay.StandardError);

        // tshark's 6LoWPAN dissector (FCS checked, its own reassembly, context 0 as ours) on the input, and its plain
        // IPv6 dissector on our output: the same packets, field by field, in the same order. The UDP checksum is left
        // out of the fields (tshark shows an elided one as 0xffff instead of computing it); instead every checksum of
        // our output must verify.
        string[] fields = ["ipv6.tclass", "ipv6.flow", "ipv6.plen", "ipv6.nxt", "ipv6.hlim", "ipv6.src", "ipv6.dst", "udp.srcport", "udp.dstport", "udp.length", "udp.payload"];
        List<string> fromInput = Fields(tshark, Input, ["frame.number", .. fields], ["-o", "6lowpan.context0:2001:db8:1::/64", "-Y", "ipv6"]);
        List<string> fromOutput = Fields(tshark, output, fields, ["-o", "udp.check_checksum:TRUE", "-Y", "udp.checksum.status == 1"]);

        JsonElement sidecar = Sidecar();
        HashSet<int> ours = sidecar.GetProperty("output").EnumerateArray().Select(o => o.GetProperty("frame").GetInt32()).ToHashSet();
        HashSet<int> tsharkAccepts = sidecar.GetProperty("cases").GetProperty("overlap").EnumerateArray()
            .Concat(sidecar.GetProperty("cases").GetProperty("size-mismatch").EnumerateArray()).Select(f => f.GetInt32()).ToHashSet();
        var agreed = new List<string>();
        foreach (string line in fromInput)
        {
            int tab = line.IndexOf('\t', StringComparison.Ordinal);
            int frame = int.Parse(line.AsSpan(0, tab), System.Globalization.CultureInfo.InvariantCulture) - 1;
            if (ours.Contains(frame))
            {
                agreed.Add(line[(tab + 1)..]);
            }
            else
            {
                // The intended difference: tshark keeps overlapping and over-long fragments, Linux (and we) do not.
                Assert.Contains(frame, tsharkAccepts);
            }
        }

        Assert.Equal(11, agreed.Count);
        Assert.Equal(agreed, fromOutput);
    }

    [Fact]
    public void Frames_without_fcs_decompress_to_the_same_output_and_tshark_agrees_without_extra_options()
    {
        string tshark = ProcessRunner.Which("tshark")
            ?? throw new InvalidOperationException("tshark is not installed: run .ci/run (it installs it) or apt-get install tshark");
        using var temp = new TempDirectory();
        string noFcs = temp.File("nofcs.pcap");
        using (var writer = Capture.CaptureFileWriter.Create(noFcs, Capture.CaptureFormat.Pcap))
        {
            int itf = writer.AddInterface(LinkType.Ieee802154NoFcs, 262144, null, nanosecond: false);
            foreach (CapturedFrames.Frame frame in CapturedFrames.Read(Input))
            {
                writer.WriteFrame(itf, frame.TimestampNanoseconds, frame.Data.AsSpan(0, frame.Data.Length - 2), frame.Data.Length - 2);
            }
        }

        string withFcsOutput = temp.File("fcs-out.pcap");
        string noFcsOutput = temp.File("nofcs-out.pcap");
        Assert.Equal(0, ProcessRunner.Reassembly("replay", Input, "-o", withFcsOutput, "--lowpan-context", Context, "-q").ExitCode);
        Assert.Equal(0, ProcessRunner.Reassembly("replay", noFcs, "-o", noFcsOutput, "--lowpan-context", Context, "-q").ExitCode);

        Assert.Equal(File.ReadAllBytes(withFcsOutput), File.ReadAllBytes(noFcsOutput));

        // Link type 230 tells tshark there is no FCS (wpan_nofcs); only the context has to be given.
        string[] fields = ["ipv6.src", "ipv6.dst", "udp.srcport", "udp.dstport", "udp.payload"];
        List<string> withFcs = Fields(tshark, Input, fields, ["-o", "6lowpan.context0:2001:db8:1::/64", "-Y", "ipv6"]);
        List<string> withoutFcs = Fields(tshark, noFcs, fields, ["-o", "6lowpan.context0:2001:db8:1::/64", "-Y", "ipv6"]);
        Assert.Equal(withFcs, withoutFcs);
    }

    [Fact]
    public void Several_threads_write_the_same_output_and_events_as_one()
    {
        using var temp = new TempDirectory();
        var outputs = new List<byte[]>();
        var events = new List<string>();
        foreach (string threads in new[] { "1", "3" })
        {
            string output = temp.File($"out{threads}.pcapng");
            string log = temp.File($"events{threads}.jsonl");
            ProcessRunner.Result result = ProcessRunner.Reassembly("replay", Input, "-o", output, "--output-format", "pcapng", "--lowpan-context", Context, "--threads", threads, "--events", log, "-q");
            Assert.True(result.ExitCode == 0, result.StandardError);
            outputs.Add(File.ReadAllBytes(output));
            events.Add(File.ReadAllText(log));
        }

        Assert.Equal(outputs[0], outputs[1]);
        Assert.Equal(events[0], events[1]);
        Assert.Contains("\"family\":\"lowpan\"", events[0], StringComparison.Ordinal);
    }

    private static List<string> Fields(string tshark, string path, string[] fields, string[] options)
    {
        ProcessRunner.Result read = ProcessRunner.Run(tshark, ["-r", path, .. options, "-T", "fields", .. fields.SelectMany(f => new[] { "-e", f })]);
        Assert.True(read.ExitCode == 0, read.StandardError);
        return read.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    private static JsonElement Sidecar() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Pcaps, "lowpan.json"))).RootElement;
}
