using System.Collections.Generic;

namespace Reassembly.Capture.Live;

/// <summary>How a <see cref="LiveCaptureSource"/> opens its interfaces. Read once, when the source opens.</summary>
public sealed class LiveCaptureOptions
{
    /// <summary>The interfaces to capture from, by libpcap name (e.g. <c>eth0</c>); at least one.</summary>
    public IReadOnlyList<string> Interfaces { get; init; } = [];

    /// <summary>A BPF filter in tcpdump syntax applied in the kernel, or null for every frame.</summary>
    /// <remarks>
    /// Defaults to null. A filter must keep every fragment of the datagrams it keeps: a port filter sees the ports in
    /// first fragments only, so filter on addresses (or on <c>ip[6:2] &amp; 0x3fff != 0 or ip6[6] == 44</c> for fragments).
    /// </remarks>
    public string? Filter { get; init; }

    /// <summary>Put the interfaces in promiscuous mode.</summary>
    /// <remarks>Defaults to true: a monitoring port sees traffic addressed to other hosts.</remarks>
    public bool Promiscuous { get; init; } = true;

    /// <summary>The largest number of bytes kept of each frame.</summary>
    /// <remarks>
    /// Defaults to 65535. A fragment cut short cannot be reassembled (it is counted as malformed), so keep it at least
    /// the link MTU plus its headers; larger values only cost kernel buffer space.
    /// </remarks>
    public int SnapLength { get; init; } = 65535;

    /// <summary>The kernel capture buffer, in bytes, or null for libpcap's default (2 MiB on Linux).</summary>
    /// <remarks>Defaults to null. A larger buffer absorbs longer bursts before the kernel drops frames (counted as dropped).</remarks>
    public int? BufferSize { get; init; }

    /// <summary>How many frames may wait between the capture threads and the consumer.</summary>
    /// <remarks>
    /// Defaults to 4096. Each waiting frame holds a buffer of its size; when the queue is full a frame is dropped and
    /// counted (<see cref="LiveInterfaceStatistics.QueueDropped"/>) rather than blocking the capture thread.
    /// </remarks>
    public int QueueCapacity { get; init; } = 4096;

    /// <summary>How long a capture thread waits for a frame before it checks whether it should stop.</summary>
    /// <remarks>Defaults to 100 ms: the worst-case delay of a stop. Frames are delivered at once (libpcap immediate mode).</remarks>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromMilliseconds(100);
}
