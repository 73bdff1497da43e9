using System.Buffers;
using System.Collections.Generic;
using System.IO.Pipelines;
using System.Threading.Tasks;

namespace Reassembly.Capture.Tests.Helpers;

/// <summary>What one read of a capture produced.</summary>
internal sealed record CaptureReadResult(CaptureReadSummary Summary, List<RecordedFrame> Frames, CaptureFileReader Reader);

/// <summary>Reads capture bytes from memory, whole or in segments.</summary>
internal static class CaptureRead
{
    /// <summary>Reads <paramref name="bytes"/> as one contiguous buffer.</summary>
    public static Task<CaptureReadResult> WholeAsync(byte[] bytes, CaptureReaderOptions? options = null) =>
        ReadAsync(PipeReader.Create(new ReadOnlySequence<byte>(bytes)), options);

    /// <summary>Reads <paramref name="bytes"/> cut into segments of <paramref name="segmentSize"/>, one revealed per read.</summary>
    public static Task<CaptureReadResult> SegmentedAsync(byte[] bytes, int segmentSize, CaptureReaderOptions? options = null) =>
        ReadAsync(new SegmentedPipeReader(bytes, segmentSize), options);

    public static async Task<CaptureReadResult> ReadAsync(PipeReader input, CaptureReaderOptions? options = null)
    {
        var handler = new RecordingHandler();
        await using var reader = new CaptureFileReader(input, options);
        CaptureReadSummary summary = await reader.ReadAllAsync(handler);
        return new CaptureReadResult(summary, handler.Frames, reader);
    }
}
