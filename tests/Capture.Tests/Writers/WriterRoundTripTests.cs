using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Reassembly.Capture.Tests.Helpers;

namespace Reassembly.Capture.Tests.Writers;

public sealed class WriterRoundTripTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static byte[] Payload(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static async Task<CaptureReadResult> ReadFileAsync(string path, CaptureReaderOptions? options = null)
    {
        var handler = new RecordingHandler();
        await using CaptureFileReader reader = CaptureFileReader.Open(path, options);
        CaptureReadSummary summary = await reader.ReadAllAsync(handler);
        return new CaptureReadResult(summary, handler.Frames, reader);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Pcap_frames_and_timestamps_read_back_identically(bool nanosecond)
    {
        string path = _directory.File("roundtrip.pcap");
        var expected = new List<RecordedFrame>();
        await using (var writer = CaptureFileWriter.Create(path, CaptureFormat.Pcap))
        {
            Assert.Equal(0, writer.AddInterface(LinkType.Ethernet, 65535, nanosecond: nanosecond));
            for (int i = 0; i < 50; i++)
            {
                byte[] data = Payload(1 + (i * 37 % 1500), i);
                long timestamp = 1_700_000_000_000_000_000 + (i * 1_234_567_891L);
                long expectedTimestamp = nanosecond ? timestamp : timestamp / 1000 * 1000;
                writer.WriteFrame(0, timestamp, data, data.Length + (i % 3));
                expected.Add(new RecordedFrame(Convert.ToHexString(data), data.Length + (i % 3), expectedTimestamp, 0, LinkType.Ethernet, i));
            }

            Assert.Equal(50, writer.FramesWritten);
        }

        CaptureReadResult result = await ReadFileAsync(path);

        Assert.Equal(expected, result.Frames);
        Assert.Equal(nanosecond, result.Reader.NanosecondTimestamps);
        Assert.Equal(262144, Assert.Single(result.Reader.Interfaces).SnapLength);
        Assert.False(result.Summary.Truncated);
        Assert.Equal(new FileInfo(path).Length, result.Summary.BytesRead);
    }

    [Fact]
    public async Task Pcapng_with_several_interfaces_reads_back_identically()
    {
        string path = _directory.File("roundtrip.pcapng");
        var expected = new List<RecordedFrame>();
        long written;
        await using (var writer = CaptureFileWriter.Create(path, CaptureFormat.PcapNg))
        {
            int ethernet = writer.AddInterface(LinkType.Ethernet, 65535, "eth0");
            int raw = writer.AddInterface(LinkType.Raw, 0, name: null, nanosecond: false);
            int lowpan = writer.AddInterface(LinkType.Ieee802154NoFcs, 127, "wpan0 ünïcode");
            Assert.Equal((0, 1, 2), (ethernet, raw, lowpan));
            int[] interfaces = [ethernet, raw, lowpan];
            LinkType[] linkTypes = [LinkType.Ethernet, LinkType.Raw, LinkType.Ieee802154NoFcs];
            for (int i = 0; i < 60; i++)
            {
                int id = interfaces[i % 3];
                byte[] data = Payload(i % 7 == 0 ? 0 : 1 + (i * 53 % 300), i);
                long timestamp = 1_600_000_000_000_000_000 + (i * 999_999_937L);
                writer.WriteFrame(id, timestamp, data, data.Length);
                expected.Add(new RecordedFrame(Convert.ToHexString(data), data.Length, id == raw ? timestamp / 1000 * 1000 : timestamp, id, linkTypes[id], i));
            }

            await writer.FlushAsync();
            written = writer.BytesWritten;
        }

        CaptureReadResult result = await ReadFileAsync(path);

        Assert.Equal(expected, result.Frames);
        Assert.Equal(written, new FileInfo(path).Length);
        Assert.Equal(
            new (LinkType, int, string?, CaptureTimestampResolution)[]
            {
                (LinkType.Ethernet, 65535, "eth0", CaptureTimestampResolution.Nanoseconds),
                (LinkType.Raw, 0, null, CaptureTimestampResolution.Microseconds),
                (LinkType.Ieee802154NoFcs, 127, "wpan0 ünïcode", CaptureTimestampResolution.Nanoseconds),
            },
            result.Reader.Interfaces.Select(i => (i.LinkType, i.SnapLength, i.Name, i.TimestampResolution)));
    }

    [Theory]
    [InlineData(CaptureFormat.Pcap)]
    [InlineData(CaptureFormat.PcapNg)]
    public async Task Frames_larger_than_a_buffer_and_many_buffers_of_frames_survive_the_background_writer(CaptureFormat format)
    {
        string path = _directory.File("big." + format);
        var options = new CaptureWriterOptions { BufferSize = 4096, BufferCount = 2 };
        var expected = new List<RecordedFrame>();
        using (var writer = CaptureFileWriter.Create(path, format, options))
        {
            writer.AddInterface(LinkType.Raw, 0);
            for (int i = 0; i < 400; i++)
            {
                byte[] data = Payload(i % 50 == 0 ? 20_000 + i : 1 + (i * 97 % 1400), i);
                writer.WriteFrame(0, i * 1_000L, data, data.Length);
                expected.Add(new RecordedFrame(Convert.ToHexString(data), data.Length, i * 1_000L, 0, LinkType.Raw, i));
            }
        }

        // Small read segments too, so records straddle segments and some exceed the pipe's pause threshold.
        CaptureReadResult result = await ReadFileAsync(path, new CaptureReaderOptions { SegmentSize = 4096, PauseThreshold = 8192 });

        Assert.Equal(expected, result.Frames);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Direct_writes_produce_the_same_file_as_cached_writes_and_fall_back_after_an_unaligned_flush(bool onTmpfs)
    {
        string directory = _directory.Path;
        if (onTmpfs)
        {
            // tmpfs: on kernels without O_DIRECT support there, the writer must fall back by itself.
            Assert.True(Directory.Exists("/dev/shm"), "this test needs /dev/shm (a tmpfs), as every Linux host has");
            directory = Path.Combine("/dev/shm", "capture-tests-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(directory);
        }

        try
        {
            string direct = Path.Combine(directory, "direct.pcap");
            string cached = Path.Combine(directory, "cached.pcap");
            bool directAfterFullBuffers = WriteSample(direct, directIo: true);
            WriteSample(cached, directIo: false);

            Assert.Equal(File.ReadAllBytes(cached), File.ReadAllBytes(direct));
            if (!onTmpfs && OperatingSystem.IsLinux())
            {
                // The test directory is on an ext4 or xfs disk here (CI and developer machines); both support O_DIRECT.
                Assert.True(directAfterFullBuffers, "full buffers were not written with O_DIRECT on a disk file system");
            }
        }
        finally
        {
            if (onTmpfs)
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    /// <summary>
    /// Writes frames spanning many 8 KiB buffers, flushes in the middle (which leaves the file unaligned, so the rest is
    /// written through the page cache), writes more. Returns whether direct writes were still on before that flush.
    /// </summary>
    private static bool WriteSample(string path, bool directIo)
    {
        var options = new CaptureWriterOptions { BufferSize = 8192, BufferCount = 3, DirectIo = directIo };
        bool directAfterFullBuffers = false;
        using var writer = CaptureFileWriter.Create(path, CaptureFormat.Pcap, options);
        writer.AddInterface(LinkType.Ethernet, 0);
        for (int i = 0; i < 300; i++)
        {
            byte[] data = Payload(i % 40 == 0 ? 9000 + i : 60 + (i * 131 % 1500), i);
            writer.WriteFrame(0, i * 1_000L, data, data.Length);
            if (i == 150)
            {
                // With three buffers in the ring, at least a dozen full ones have been written by now.
                directAfterFullBuffers = writer.DirectIoActive;
                writer.Flush();
            }
        }

        return directAfterFullBuffers;
    }

    [Fact]
    public void A_pcap_writer_refuses_a_second_link_type_and_points_to_pcapng()
    {
        using var writer = CaptureFileWriter.Create(_directory.File("one.pcap"), CaptureFormat.Pcap);
        Assert.Equal(0, writer.AddInterface(LinkType.Ethernet, 65535));
        Assert.Equal(0, writer.AddInterface(LinkType.Ethernet, 1500, "ignored"));

        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => writer.AddInterface(LinkType.LinuxSll, 65535));

        Assert.Contains("pcapng", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Creating_a_writer_replaces_an_existing_file()
    {
        string path = _directory.File("existing.pcap");
        File.WriteAllBytes(path, new byte[100_000]);

        using (var writer = CaptureFileWriter.Create(path, CaptureFormat.Pcap))
        {
            writer.AddInterface(LinkType.Ethernet, 0);
        }

        Assert.Equal(24, new FileInfo(path).Length);
    }

    [Fact]
    public void Misuse_is_refused_with_argument_exceptions()
    {
        using var writer = CaptureFileWriter.Create(_directory.File("misuse.pcapng"), CaptureFormat.PcapNg);
        int id = writer.AddInterface(LinkType.Ethernet, 0);

        Assert.Throws<ArgumentOutOfRangeException>(() => writer.WriteFrame(id + 1, 0, [1], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.WriteFrame(id, -1, [1], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.WriteFrame(id, 0, [1, 2], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.AddInterface((LinkType)70_000, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => CaptureFileWriter.Create(_directory.File("x"), CaptureFormat.Unknown));
    }

    [Fact]
    public void Writing_after_dispose_is_refused()
    {
        var writer = CaptureFileWriter.Create(_directory.File("disposed.pcap"), CaptureFormat.Pcap);
        writer.AddInterface(LinkType.Ethernet, 0);
        writer.Dispose();
        writer.Dispose();

        Assert.Throws<ObjectDisposedException>(() => writer.WriteFrame(0, 0, [1], 1));
    }
}
