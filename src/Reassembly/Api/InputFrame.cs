namespace Reassembly;

/// <summary>One captured frame for <see cref="Reassembler.ReassembleAsync"/>: its bytes, link type, time and interface.</summary>
/// <remarks>
/// The bytes are not copied when the frame is queued: keep them unchanged until the
/// <see cref="ReassemblyOutput"/> for this frame has been read from the stream (or the stream has ended). The
/// reassembler copies what it keeps of a fragment, so the buffer is free again once its output is seen.
/// </remarks>
public readonly struct InputFrame
{
    /// <summary>Creates a frame.</summary>
    /// <param name="data">The frame, starting with its link-layer header.</param>
    /// <param name="linkType">Its link-layer type.</param>
    /// <param name="timestampNanoseconds">Capture time, in nanoseconds since the Unix epoch.</param>
    /// <param name="interfaceId">The capture interface (0 if there is one).</param>
    public InputFrame(ReadOnlyMemory<byte> data, LinkType linkType, long timestampNanoseconds, int interfaceId = 0)
    {
        Data = data;
        LinkType = linkType;
        TimestampNanoseconds = timestampNanoseconds;
        InterfaceId = interfaceId;
    }

    /// <summary>The frame, starting with its link-layer header.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>The frame's link-layer type.</summary>
    public LinkType LinkType { get; }

    /// <summary>Capture time, in nanoseconds since the Unix epoch.</summary>
    public long TimestampNanoseconds { get; }

    /// <summary>The capture interface.</summary>
    public int InterfaceId { get; }
}
