using Microsoft.Extensions.Logging;

namespace Reassembly.Host.Daemon;

/// <summary>The daemon's log messages, with stable event ids (1xx life cycle, 2xx statistics, 3xx reconfiguration, 4xx outputs).</summary>
internal static partial class DaemonLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "capturing on {Interfaces} (filter: {Filter}, snap length {SnapLength}, promiscuous {Promiscuous}, shard {Shard})")]
    public static partial void CaptureStarted(ILogger logger, string interfaces, string filter, int snapLength, bool promiscuous, string shard);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "stopping: capture stopped after reading what libpcap held ({Captured} frames captured); reassembling the rest, then closing the outputs")]
    public static partial void Stopping(ILogger logger, long captured);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "stopped: {Frames} frames, {Ipv4Reassembled} IPv4 and {Ipv6Reassembled} IPv6 datagrams reassembled, {Written} frames written, {Dropped} dropped by libpcap, {QueueDropped} by the queue")]
    public static partial void Stopped(ILogger logger, long frames, long ipv4Reassembled, long ipv6Reassembled, long written, long dropped, long queueDropped);

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "stats: frames={Frames} ipv4: fragments={Ipv4Fragments} reassembled={Ipv4Reassembled} failed={Ipv4Failed} timeouts={Ipv4Timeouts}; ipv6: fragments={Ipv6Fragments} reassembled={Ipv6Reassembled} failed={Ipv6Failed} timeouts={Ipv6Timeouts}; queues={Queues} written={Written} captured={Captured} pcap_dropped={PcapDropped} if_dropped={InterfaceDropped} queue_dropped={QueueDropped} outside_shard={OutsideShard}")]
    public static partial void Statistics(
        ILogger logger, long frames, long ipv4Fragments, long ipv4Reassembled, long ipv4Failed, long ipv4Timeouts, long ipv6Fragments, long ipv6Reassembled,
        long ipv6Failed, long ipv6Timeouts, int queues, long written, long captured, long pcapDropped, long interfaceDropped, long queueDropped, long outsideShard);

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "configuration reloaded: policy {Policy}, IPv6 policy {Ipv6Policy}, {Routes} route(s), {NamespacePolicies} namespace policy(ies), timeouts {Ipv4Timeout} s / {Ipv6Timeout} s; datagrams in flight keep their settings")]
    public static partial void Reconfigured(ILogger logger, string policy, string ipv6Policy, int routes, int namespacePolicies, double ipv4Timeout, double ipv6Timeout);

    [LoggerMessage(EventId = 301, Level = LogLevel.Error, Message = "configuration reload rejected, the running settings stay: {Reason}")]
    public static partial void ReconfigurationRejected(ILogger logger, string reason);

    [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "configuration: {Setting} changed; it is read at start-up only and takes effect at the next start")]
    public static partial void NeedsRestart(ILogger logger, string setting);

    [LoggerMessage(EventId = 400, Level = LogLevel.Error, Message = "output failed, stopping: {Reason}")]
    public static partial void OutputFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 401, Level = LogLevel.Warning, Message = "inject on {Interface} failed ({Failures} so far): {Reason}")]
    public static partial void InjectFailed(ILogger logger, string @interface, long failures, string reason);

    [LoggerMessage(EventId = 402, Level = LogLevel.Information, Message = "capture output: {Path}")]
    public static partial void OutputOpened(ILogger logger, string path);
}
