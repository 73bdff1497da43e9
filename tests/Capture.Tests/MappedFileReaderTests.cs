using System;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using Reassembly.Capture.Internal;
using Reassembly.Capture.Tests.Helpers;

namespace Reassembly.Capture.Tests;

/// <summary><see cref="CaptureReaderOptions.MemoryMap"/>: the same frames as the pipe, handed out in place.</summary>
public sealed class MappedFileReaderTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData(CaptureFormat.Pcap)]
    [InlineData(CaptureFormat.PcapNg)]
    public async Task A_mapped_file_gives_the_same_frames_as_the_pipe_and_every_one_is_stable(CaptureFormat format)
    {
        (byte[] file, string path) = await RandomCaptureFileAsync(format, frames: 3_000, seed: 11);

        var piped = new StabilityRecordingHandler();
        await using (CaptureFileReader reader = CaptureFileReader.Open(path))
        {
            piped.Reader = reader;
            await reader.ReadAllAsync(piped);
            Assert.False(reader.IsMemoryMapped);
        }

        var mapped = new StabilityRecordingHandler();
        await using (CaptureFileReader reader = CaptureFileReader.Open(path, new CaptureReaderOptions { MemoryMap = true }))
        {
            mapped.Reader = reader;
            CaptureReadSummary summary = await reader.ReadAllAsync(mapped);
            Assert.True(reader.IsMemoryMapped);
            Assert.Equal(file.Length, summary.BytesRead);
        }

        Assert.Equal(3_000, mapped.Frames.Count);
        Assert.Equal(piped.Frames, mapped.Frames);
        Assert.All(piped.Stable, stable => Assert.False(stable));
        Assert.Equal(mapped.Frames.Count, mapped.Stable.FindAll(stable => stable).Count);
    }

    [Theory]
    [InlineData(CaptureFormat.Pcap)]
    [InlineData(CaptureFormat.PcapNg)]
    public async Task Records_straddling_the_chunks_of_a_large_mapping_are_read_whole_and_are_not_stable(CaptureFormat format)
    {
        // A capture over 1 GiB is mapped in chunks; 4 KiB chunks here put hundreds of records across a boundary.
        (byte[] file, string path) = await RandomCaptureFileAsync(format, frames: 2_000, seed: 12);
        CaptureReadResult fromMemory = await CaptureRead.WholeAsync(file);
        using SafeFileHandle handle = File.OpenHandle(path);
        using MappedFileSequence mapping = MappedFileSequence.TryMap(handle, chunkLength: 4096)!;

        var handler = new StabilityRecordingHandler();
        await using var reader = new CaptureFileReader(System.IO.Pipelines.PipeReader.Create(mapping.Sequence));
        handler.Stability = mapping.Contains;
        CaptureReadSummary summary = await reader.ReadAllAsync(handler);

        Assert.Equal(file.Length, summary.BytesRead);
        Assert.Equal(fromMemory.Frames, handler.Frames);
        int straddling = handler.Stable.FindAll(stable => !stable).Count;
        Assert.InRange(straddling, 100, handler.Frames.Count - 100);
    }

    [Fact]
    public async Task An_empty_file_asked_to_be_mapped_is_still_the_empty_file_error()
    {
        string path = _directory.File("empty.pcap");
        await File.WriteAllBytesAsync(path, []);
        await using CaptureFileReader reader = CaptureFileReader.Open(path, new CaptureReaderOptions { MemoryMap = true });

        CaptureFormatException error = await Assert.ThrowsAsync<CaptureFormatException>(() => reader.ReadAllAsync(new RecordingHandler()));

        Assert.False(reader.IsMemoryMapped);
        Assert.Equal(CaptureFormatError.EmptyFile, error.Error);
    }

    [Fact]
    public async Task A_truncated_mapped_file_reports_the_cut_and_keeps_what_came_before()
    {
        byte[] file = new PcapBuilder().Record(1, 0, [1, 2, 3]).Record(2, 0, new byte[100]).ToArray();
        string path = _directory.File("cut.pcap");
        await File.WriteAllBytesAsync(path, file[..^10]);

        var handler = new RecordingHandler();
        await using CaptureFileReader reader = CaptureFileReader.Open(path, new CaptureReaderOptions { MemoryMap = true });
        CaptureReadSummary summary = await reader.ReadAllAsync(handler);

        Assert.True(reader.IsMemoryMapped);
        Assert.Single(handler.Frames);
        Assert.Equal("010203", handler.Frames[0].DataHex);
        Assert.True(summary.Truncated);
        Assert.Equal(24 + 16 + 3, summary.TruncatedRecordOffset);
    }

    [Fact]
    public async Task Pages_dropped_behind_the_parser_read_back_the_same_bytes()
    {
        // A window of one page over a 4 MB file: the walk drops nearly every page behind it, and reading any of them
        // again (a consumer far behind) must fault the file's bytes back in, not zeros.
        (byte[] file, string path) = await RandomFileAsync("window.bin", 4_000_000, seed: 5);
        using SafeFileHandle handle = File.OpenHandle(path);
        using MappedFileSequence mapping = MappedFileSequence.TryMap(handle, residentWindow: Environment.SystemPageSize)!;

        Assert.Equal(file.Length, mapping.Length);
        ReadOnlySpan<byte> bytes = mapping.Sequence.FirstSpan;
        for (int position = 0; position < file.Length; position += 1000)
        {
            mapping.ParsedUpTo(position);
            Assert.Equal(file[position], bytes[position]);
        }

        Assert.True(mapping.ReleasedBytes > file.Length / 2, $"only {mapping.ReleasedBytes} bytes were dropped");
        Assert.True(bytes.SequenceEqual(file), "a dropped page read back different bytes");
        Assert.True(mapping.Contains(bytes[100..200]));
        Assert.False(mapping.Contains(file.AsSpan(100, 100)));
    }

    private async Task<(byte[] Bytes, string Path)> RandomFileAsync(string name, int length, int seed)
    {
        byte[] bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        string path = _directory.File(name);
        await File.WriteAllBytesAsync(path, bytes);
        return (bytes, path);
    }

    private async Task<(byte[] Bytes, string Path)> RandomCaptureFileAsync(CaptureFormat format, int frames, int seed)
    {
        byte[] bytes = RandomCapture(format, frames, seed);
        string path = _directory.File($"random-{seed}.{format}");
        await File.WriteAllBytesAsync(path, bytes);
        return (bytes, path);
    }

    private static byte[] RandomCapture(CaptureFormat format, int frames, int seed)
    {
        var random = new Random(seed);
        var pcap = new PcapBuilder();
        var pcapNg = new PcapNgBuilder().SectionHeader().Interface(1);
        for (int i = 0; i < frames; i++)
        {
            var data = new byte[random.Next(1, 3_000)];
            random.NextBytes(data);
            if (format == CaptureFormat.Pcap)
            {
                pcap.Record((uint)i, 0, data);
            }
            else
            {
                pcapNg.EnhancedPacket(0, (ulong)i, data);
            }
        }

        return format == CaptureFormat.Pcap ? pcap.ToArray() : pcapNg.ToArray();
    }

    private delegate bool StabilityTest(ReadOnlySpan<byte> data);

    private sealed class StabilityRecordingHandler : ICaptureFrameHandler
    {
        public CaptureFileReader? Reader { get; set; }

        /// <summary>Asked instead of <see cref="Reader"/> when set: whether a frame's bytes lie in the mapping.</summary>
        public StabilityTest? Stability { get; set; }

        public List<RecordedFrame> Frames { get; } = [];

        public List<bool> Stable { get; } = [];

        public void OnFrame(in CaptureFrame frame)
        {
            Frames.Add(RecordedFrame.From(frame));
            Stable.Add(Stability is { } test ? test(frame.Data) : Reader!.IsStable(frame.Data));
        }
    }
}
