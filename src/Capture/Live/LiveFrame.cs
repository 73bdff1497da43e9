namespace Reassembly.Capture.Live;

/// <summary>
/// One captured frame waiting in a <see cref="LiveFrameQueue"/>: a reusable slot whose buffer is kept (and grown
/// when a larger frame arrives) from frame to frame, so that a warm capture allocates nothing per frame.
/// </summary>
/// <remarks>
/// Owned by one side at a time: a capture thread fills it, the consumer reads it between
/// <see cref="LiveFrameQueue.TryTake"/> and <see cref="LiveFrameQueue.Return"/>. The channel that hands it over
/// orders the filler's writes before the consumer's reads.
/// </remarks>
public sealed class LiveFrame
{
    private byte[] _buffer = new byte[2048];

    /// <summary>The frame's captured bytes.</summary>
    public ReadOnlySpan<byte> Data => _buffer.AsSpan(0, Length);

    /// <summary>How many bytes were captured.</summary>
    public int Length { get; private set; }

    /// <summary>The frame's length on the wire (more than <see cref="Length"/> when the snap length cut it).</summary>
    public int OriginalLength { get; private set; }

    /// <summary>The capture timestamp, in nanoseconds since the Unix epoch.</summary>
    public long TimestampNanoseconds { get; private set; }

    /// <summary>The position of the frame's interface in <see cref="LiveCaptureOptions.Interfaces"/>.</summary>
    public int InterfaceId { get; private set; }

    /// <summary>The interface's link-layer type.</summary>
    public LinkType LinkType { get; private set; }

    internal void Fill(ReadOnlySpan<byte> data, int originalLength, long timestampNanoseconds, int interfaceId, LinkType linkType)
    {
        if (data.Length > _buffer.Length)
        {
            // Grows to the largest frame seen: an allocation per size step, never per frame.
            _buffer = new byte[Math.Max(data.Length, _buffer.Length * 2)];
        }

        data.CopyTo(_buffer);
        Length = data.Length;
        OriginalLength = Math.Max(originalLength, data.Length);
        TimestampNanoseconds = timestampNanoseconds;
        InterfaceId = interfaceId;
        LinkType = linkType;
    }
}
