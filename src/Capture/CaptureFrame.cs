namespace Reassembly.Capture;

/// <summary>
/// One captured frame as a capture reader hands it out: a view into the reader's buffer, valid only for the
/// duration of the <see cref="ICaptureFrameHandler.OnFrame"/> call that receives it. Copy what must outlive it.
/// </summary>
public readonly ref struct CaptureFrame
{
    /// <summary>Creates a frame view.</summary>
    public CaptureFrame(ReadOnlySpan<byte> data, int originalLength, long timestampNanoseconds, int interfaceId, LinkType linkType, long index)
    {
        Data = data;
        OriginalLength = originalLength;
        TimestampNanoseconds = timestampNanoseconds;
        InterfaceId = interfaceId;
        LinkType = linkType;
        Index = index;
    }

    /// <summary>The captured bytes (possibly fewer than <see cref="OriginalLength"/> when the capture was snapped).</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <summary>The frame's length on the wire.</summary>
    public int OriginalLength { get; }

    /// <summary>Nanoseconds since the Unix epoch.</summary>
    public long TimestampNanoseconds { get; }

    /// <summary>The capture interface: 0 for pcap, the interface description block's index for pcapng.</summary>
    public int InterfaceId { get; }

    /// <summary>The link-layer type of the frame's interface.</summary>
    public LinkType LinkType { get; }

    /// <summary>The frame's 0-based position among the packet records of the capture (what Wireshark shows as frame number minus one).</summary>
    public long Index { get; }
}
