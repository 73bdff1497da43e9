using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Reassembly.Capture.Tests.Helpers;

namespace Reassembly.Capture.Tests.Writers;

/// <summary>
/// Wireshark is the reference reader: files our writers produce must open in tshark with no complaint. CI installs
/// tshark; a machine without it fails this test (set REASSEMBLY_ALLOW_NO_TSHARK=1 to accept its absence knowingly).
/// </summary>
public sealed class TsharkTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData(CaptureFormat.Pcap, false)]
    [InlineData(CaptureFormat.Pcap, true)]
    [InlineData(CaptureFormat.PcapNg, true)]
    public async System.Threading.Tasks.Task Tshark_reads_our_files_without_warnings_and_counts_every_frame(CaptureFormat format, bool nanosecond)
    {
        string? tshark = FindTshark();
        if (tshark is null)
        {
            if (Environment.GetEnvironmentVariable("REASSEMBLY_ALLOW_NO_TSHARK") == "1")
            {
                return;
            }

            Assert.Fail("tshark was not found on PATH. Install Wireshark's tshark (apt-get install tshark), or set REASSEMBLY_ALLOW_NO_TSHARK=1 to run without this check.");
        }

        string path = _directory.File("tshark." + format.ToString().ToLowerInvariant());
        const int frameCount = 25;
        using (var writer = CaptureFileWriter.Create(path, format))
        {
            int ethernet = writer.AddInterface(LinkType.Ethernet, 65535, "eth0", nanosecond);
            int raw = format == CaptureFormat.PcapNg ? writer.AddInterface(LinkType.Raw, 0, "tun0", nanosecond: false) : ethernet;
            for (int i = 0; i < frameCount; i++)
            {
                byte[] frame = i % 2 == 0 || format == CaptureFormat.Pcap ? EthernetIpv4Udp(i) : EthernetIpv4Udp(i)[14..];
                writer.WriteFrame(i % 2 == 0 ? ethernet : raw, 1_700_000_000_000_000_000 + (i * 1_000_123L), frame, frame.Length);
            }
        }

        var start = new ProcessStartInfo(tshark, ["-n", "-r", path, "-T", "fields", "-e", "frame.number"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process process = Process.Start(start)!;
        System.Threading.Tasks.Task<string> stderrTask = process.StandardError.ReadToEndAsync();
        string stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        string stderr = await stderrTask;

        // tshark warns about running as root; that is about this machine, not about our file.
        string[] complaints = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => !line.StartsWith("Running as user \"root\"", StringComparison.Ordinal))
            .ToArray();
        Assert.True(process.ExitCode == 0, $"tshark exited with {process.ExitCode}: {stderr}");
        Assert.Empty(complaints);
        Assert.Equal(Enumerable.Range(1, frameCount).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    private static string? FindTshark() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "tshark"))
            .FirstOrDefault(File.Exists);

    private static byte[] EthernetIpv4Udp(int seed)
    {
        byte[] frame =
        [
            0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00,                           // Ethernet II, IPv4
            0x45, 0, 0, 32, 0, (byte)seed, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,  // IPv4, UDP, checksum 0
            0x30, 0x39, 0x30, 0x39, 0, 12, 0, 0, (byte)'p', (byte)'i', (byte)'n', (byte)'g', // UDP, no checksum
        ];
        return frame;
    }
}
