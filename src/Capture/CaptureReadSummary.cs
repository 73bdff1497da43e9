namespace Reassembly.Capture;

/// <summary>What <see cref="CaptureFileReader.ReadAllAsync"/> found, returned once the input is exhausted.</summary>
public sealed class CaptureReadSummary
{
    internal CaptureReadSummary(CaptureFormat format, long framesRead, long bytesRead, bool truncated, long truncatedRecordOffset, long truncatedByteCount)
    {
        Format = format;
        FramesRead = framesRead;
        BytesRead = bytesRead;
        Truncated = truncated;
        TruncatedRecordOffset = truncatedRecordOffset;
        TruncatedByteCount = truncatedByteCount;
    }

    /// <summary>The format the reader detected.</summary>
    public CaptureFormat Format { get; }

    /// <summary>How many frames were handed to the handler.</summary>
    public long FramesRead { get; }

    /// <summary>How many bytes of input the reader saw, including the bytes of a truncated last record.</summary>
    public long BytesRead { get; }

    /// <summary>
    /// True when the input ended in the middle of a record (or of a record header). Every complete record before it has
    /// been delivered; the partial one was dropped. This is what a capture cut short by a full disk or a killed tcpdump looks like.
    /// </summary>
    public bool Truncated { get; }

    /// <summary>When <see cref="Truncated"/>, the absolute byte offset at which the incomplete record starts; otherwise equal to <see cref="BytesRead"/>.</summary>
    public long TruncatedRecordOffset { get; }

    /// <summary>When <see cref="Truncated"/>, how many bytes of the incomplete record were present; otherwise 0.</summary>
    public long TruncatedByteCount { get; }
}
