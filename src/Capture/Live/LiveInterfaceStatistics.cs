namespace Reassembly.Capture.Live;

/// <summary>One interface's capture counters: libpcap's (<c>pcap_stats</c>) and the queue's.</summary>
public sealed class LiveInterfaceStatistics
{
    /// <summary>The interface's name.</summary>
    public required string Name { get; init; }

    /// <summary>Frames read from libpcap and queued for reassembly.</summary>
    public long Captured { get; init; }

    /// <summary>libpcap's <c>ps_recv</c>: frames the kernel received for this capture (filter passed).</summary>
    public long Received { get; init; }

    /// <summary>libpcap's <c>ps_drop</c>: frames the kernel dropped because the capture buffer was full.</summary>
    public long Dropped { get; init; }

    /// <summary>libpcap's <c>ps_ifdrop</c>: frames the interface or its driver dropped.</summary>
    public long InterfaceDropped { get; init; }

    /// <summary>Frames read from libpcap but dropped because the reassembly queue was full.</summary>
    public long QueueDropped { get; init; }
}
