using System;
using System.IO;
using System.Threading.Tasks;
using Reassembly.Capture.Tests.Helpers;

namespace Reassembly.Capture.Tests;

public sealed class FileReaderTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Opening_a_missing_file_throws_file_not_found()
    {
        Assert.Throws<FileNotFoundException>(() => CaptureFileReader.Open(_directory.File("missing.pcap")));
    }

    [Fact]
    public async Task An_empty_file_is_a_format_error_not_a_crash()
    {
        string path = _directory.File("empty.pcap");
        await File.WriteAllBytesAsync(path, []);
        await using CaptureFileReader reader = CaptureFileReader.Open(path);

        CaptureFormatException error = await Assert.ThrowsAsync<CaptureFormatException>(() => reader.ReadAllAsync(new RecordingHandler()));

        Assert.Equal(CaptureFormatError.EmptyFile, error.Error);
    }

    [Fact]
    public async Task A_file_read_through_the_fill_task_gives_the_same_frames_as_from_memory()
    {
        var builder = new PcapNgBuilder().SectionHeader().Interface(1);
        var random = new Random(7);
        for (int i = 0; i < 3_000; i++)
        {
            var data = new byte[random.Next(0, 3_000)];
            random.NextBytes(data);
            builder.EnhancedPacket(0, (ulong)i, data);
        }

        byte[] file = builder.ToArray();
        string path = _directory.File("fill.pcapng");
        await File.WriteAllBytesAsync(path, file);
        CaptureReadResult fromMemory = await CaptureRead.WholeAsync(file);

        var handler = new RecordingHandler();
        await using CaptureFileReader reader = CaptureFileReader.Open(path, new CaptureReaderOptions { SegmentSize = 4096, PauseThreshold = 16384 });
        CaptureReadSummary summary = await reader.ReadAllAsync(handler);

        Assert.Equal(fromMemory.Frames, handler.Frames);
        Assert.Equal(file.Length, summary.BytesRead);
    }

    [Fact]
    public async Task A_record_larger_than_the_pause_threshold_does_not_stall_the_reader()
    {
        byte[] big = new byte[200_000];
        new Random(3).NextBytes(big);
        byte[] file = new PcapBuilder().Record(1, 0, [1, 2, 3]).Record(2, 0, big).Record(3, 0, [4]).ToArray();
        string path = _directory.File("big.pcap");
        await File.WriteAllBytesAsync(path, file);

        var handler = new RecordingHandler();
        await using CaptureFileReader reader = CaptureFileReader.Open(path, new CaptureReaderOptions { SegmentSize = 4096, PauseThreshold = 8192 });
        CaptureReadSummary summary = await reader.ReadAllAsync(handler).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(3, summary.FramesRead);
        Assert.Equal(Convert.ToHexString(big), handler.Frames[1].DataHex);
    }

    [Fact]
    public async Task A_truncated_file_on_disk_reports_the_cut()
    {
        byte[] file = new PcapBuilder().Record(1, 0, [1, 2, 3]).Record(2, 0, new byte[100]).ToArray();
        string path = _directory.File("cut.pcap");
        await File.WriteAllBytesAsync(path, file[..^10]);

        var handler = new RecordingHandler();
        await using CaptureFileReader reader = CaptureFileReader.Open(path);
        CaptureReadSummary summary = await reader.ReadAllAsync(handler);

        Assert.Single(handler.Frames);
        Assert.True(summary.Truncated);
        Assert.Equal(24 + 16 + 3, summary.TruncatedRecordOffset);
        Assert.Equal(16 + 100 - 10, summary.TruncatedByteCount);
    }

    [Fact]
    public async Task Disposing_an_unread_reader_closes_the_file()
    {
        string path = _directory.File("unread.pcap");
        await File.WriteAllBytesAsync(path, new PcapBuilder().ToArray());

        await using (CaptureFileReader.Open(path))
        {
        }

        File.Delete(path);
        Assert.False(File.Exists(path));
    }
}
