using Reassembly.Core;
using Reassembly.Diagnostics;
using Reassembly.Memory;
using Reassembly.Parsing;
using Reassembly.Policies;
using Reassembly.Protocols;

namespace Reassembly;

/// <summary>
/// Reassembles IPv4 and IPv6 fragments from captured frames, by default by today's Linux rules: duplicates inside held
/// data are ignored, any other overlap drops the datagram (RFC 5722), incomplete datagrams expire after 30 s (IPv4) or
/// 60 s (IPv6) of packet time. A target-based <see cref="OverlapPolicy"/> can be chosen instead, globally or per
/// destination, and every anomaly is counted and reported to <see cref="ReassemblyOptions.AnomalySink"/>.
/// </summary>
/// <remarks>
/// Feed frames in capture order with <see cref="Process"/>; the clock is the largest timestamp seen, so expiry follows
/// packet time and never the machine's. Once warm, processing a frame allocates nothing. An engine is not
/// thread-safe: drive each one from one thread at a time.
/// </remarks>
public sealed partial class ReassemblyEngine
{
    private readonly DatagramBufferPool _buffers = new();
    private readonly FragmentQueueDirectory _ipv4;
    private readonly FragmentQueueDirectory _ipv6;
    private readonly Action<ReassembledDatagram> _recycleDatagram;
    private ReassembledDatagram[] _spareDatagrams = new ReassembledDatagram[8];
    private int _spareDatagramCount;
    private long _clock = long.MinValue;
    private long _frames;
    private long _notIp;
    private long _linkErrors;

    private ReassemblyEngine(ReassemblyOptions options)
    {
        _ipv4 = new FragmentQueueDirectory(Ipv4FragmentProtocol.Instance, ToNanoseconds(options.Ipv4Timeout), _buffers);
        _ipv6 = new FragmentQueueDirectory(Ipv6FragmentProtocol.Instance, ToNanoseconds(options.Ipv6Timeout), _buffers);
        _recycleDatagram = RecycleDatagram;
        _policies = new PolicyTable(options);
        _maxFragments = options.MaxFragmentsPerDatagram;
        _sink = options.AnomalySink;
        _queueObserver = new QueueObserver(this);
    }

    /// <summary>Creates an engine.</summary>
    /// <param name="options">Settings; null takes every default.</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public static ReassemblyEngine Create(ReassemblyOptions? options = null)
    {
        options ??= new ReassemblyOptions();
        options.Validate();
        return new ReassemblyEngine(options);
    }

    /// <summary>Incomplete datagrams currently held.</summary>
    public int QueuesInUse => _ipv4.Count + _ipv6.Count;

    /// <summary>
    /// Processes one captured frame. Never throws on bad input: malformed packets are counted and passed through.
    /// </summary>
    /// <param name="frame">The frame, starting with its link-layer header. Read during the call only.</param>
    /// <param name="linkType">The frame's link-layer type.</param>
    /// <param name="timestampNanoseconds">The capture timestamp, in nanoseconds since the Unix epoch.</param>
    /// <param name="interfaceId">The capture interface, carried over to datagrams whose first fragment came from it.</param>
    public FrameResult Process(ReadOnlySpan<byte> frame, LinkType linkType, long timestampNanoseconds, int interfaceId = 0)
    {
        _frames++;
        if (timestampNanoseconds > _clock)
        {
            _clock = timestampNanoseconds;
            ExpireUntil(timestampNanoseconds);
        }

        if (LinkLayerDecoder.Decode(frame, linkType, out LinkLayerInfo link) != LinkDecodeStatus.Ok)
        {
            _linkErrors++;
            return new FrameResult(FrameDisposition.PassThrough);
        }

        FragmentQueueDirectory directory;
        PacketKind kind;
        FragmentDescriptor fragment;
        switch (link.Protocol)
        {
            case NetworkProtocol.Ipv4:
                directory = _ipv4;
                kind = Ipv4PacketParser.Parse(frame, link.NetworkOffset, link.VlanKey, out fragment);
                break;
            case NetworkProtocol.Ipv6:
                directory = _ipv6;
                kind = Ipv6PacketParser.Parse(frame, link.NetworkOffset, link.VlanKey, out fragment);
                break;
            default:
                _notIp++;
                return new FrameResult(FrameDisposition.PassThrough);
        }

        ref FamilyCounters counters = ref directory.Counters;
        counters.Frames++;
        switch (kind)
        {
            case PacketKind.Fragment:
                counters.ReasmReqds++;
                return Enqueue(directory, frame, in fragment, linkType, interfaceId, timestampNanoseconds);
            case PacketKind.NotFragmented:
                counters.NotFragmented++;
                return new FrameResult(FrameDisposition.PassThrough);
            case PacketKind.AtomicFragment:
                // RFC 6946: a datagram on its own. Linux (ipv6_frag_rcv) counts it as requested and reassembled.
                counters.ReasmReqds++;
                counters.ReasmOKs++;
                Report(AnomalyKind.Ipv6AtomicFragment, in fragment, timestampNanoseconds);
                return new FrameResult(FrameDisposition.PassThrough);
            case PacketKind.OversizeFragment:
                // Passed through as malformed, as before; an IDS still wants to hear of a ping of death.
                counters.Malformed++;
                Report(AnomalyKind.Oversize, in fragment, timestampNanoseconds);
                return new FrameResult(FrameDisposition.PassThrough);
            case PacketKind.IncompleteHeaderChain:
                // RFC 7112: Linux's ipv6_frag_rcv counts the request, then discards the fragment (a header error,
                // not a reassembly failure).
                counters.ReasmReqds++;
                Report(AnomalyKind.Ipv6IncompleteHeaderChain, in fragment, timestampNanoseconds);
                return new FrameResult(FrameDisposition.Dropped);
            default:
                counters.Malformed++;
                return new FrameResult(FrameDisposition.PassThrough);
        }
    }

    /// <summary>
    /// Expires every incomplete datagram, counting each as a timeout: call it at the end of a capture, where nothing
    /// more can arrive.
    /// </summary>
    public void ExpireAll()
    {
        _expiring = true;
        try
        {
            _ipv4.ExpireAll();
            _ipv6.ExpireAll();
        }
        finally
        {
            _expiring = false;
        }
    }

    /// <summary>
    /// Drops every queue without counting it, zeroes the counters and forgets the clock, keeping pooled buffers warm:
    /// the engine behaves as new. Datagrams handed out earlier stay valid until disposed.
    /// </summary>
    public void Reset()
    {
        _ipv4.Reset();
        _ipv6.Reset();
        _clock = long.MinValue;
        _frames = 0;
        _notIp = 0;
        _linkErrors = 0;
        Array.Clear(_anomalyCounts);
    }

    /// <summary>Takes a snapshot of the counters.</summary>
    public ReassemblyStatistics GetStatistics() => new()
    {
        Frames = _frames,
        NotIp = _notIp,
        LinkErrors = _linkErrors,
        Ipv4 = Snapshot(in _ipv4.Counters),
        Ipv6 = Snapshot(in _ipv6.Counters),
        QueuesInUse = QueuesInUse,
        Anomalies = new AnomalyStatistics((long[])_anomalyCounts.Clone()),
    };

    private FrameResult Enqueue(FragmentQueueDirectory directory, ReadOnlySpan<byte> frame, in FragmentDescriptor fragment, LinkType linkType, int interfaceId, long timestampNanoseconds)
    {
        ref FamilyCounters counters = ref directory.Counters;

        // RFC 791 and RFC 8200 4.5: every fragment but the last carries a multiple of 8 octets. Linux answers IPv6 with
        // a parameter problem and trims IPv4; either way this fragment's bytes cannot be placed as sent.
        if (fragment.MoreFragments && (fragment.DataLength & 7) != 0)
        {
            counters.ReasmFails++;
            Report(AnomalyKind.NotMultipleOf8, in fragment, timestampNanoseconds);
            return new FrameResult(FrameDisposition.Dropped);
        }

        if (IsTinyIpv4Fragment(in fragment))
        {
            Report(AnomalyKind.TinyFirstFragment, in fragment, timestampNanoseconds);
        }

        FragmentQueue queue = directory.FindOrCreate(in fragment.Key, _clock);
        if (!queue.HasPolicy)
        {
            // Chosen once, from the first fragment's destination, as Suricata picks a tracker's policy.
            queue.Policy = _policies.Resolve(in fragment.Key);
            queue.HasPolicy = true;
            queue.Observer = _queueObserver;
        }

        if (fragment.Key.Family == IpFamily.Ipv6)
        {
            CheckUnfragmentablePart(queue, frame, in fragment, timestampNanoseconds);
        }

        QueueInsertResult inserted = queue.Insert(frame, in fragment, linkType, interfaceId, _buffers, _frames - 1, _maxFragments, out OverlapOutcome overlap);
        switch (inserted)
        {
            case QueueInsertResult.Queued:
                ReportPlacement(in fragment, queue.Policy, in overlap, timestampNanoseconds);
                return new FrameResult(FrameDisposition.Held);
            case QueueInsertResult.Complete:
                ReportPlacement(in fragment, queue.Policy, in overlap, timestampNanoseconds);
                return Complete(directory, queue, in fragment, timestampNanoseconds);
            case QueueInsertResult.Duplicate:
                // Dropped, but the queue keeps what it has (inet_frag_queue_insert's IPFRAG_DUP).
                ReportPlacement(in fragment, queue.Policy, in overlap, timestampNanoseconds);
                return new FrameResult(FrameDisposition.Dropped);
            case QueueInsertResult.Overlap:
                counters.ReasmOverlaps++;
                Report(AnomalyKind.Overlap, in fragment, queue.Policy, in overlap, timestampNanoseconds);
                break;
            default:
                // Ends, zero length, too many fragments. A teardrop counts as Linux counts it, as an inconsistent end
                // and not an overlap, because Linux checks the end first.
                Report(ToAnomaly(inserted), in fragment, queue.Policy, in overlap, timestampNanoseconds);
                break;
        }

        // Overlap, inconsistent end, zero length, too many fragments: the whole datagram goes (ip_frag_queue's discard_qp).
        counters.ReasmFails++;
        directory.Remove(queue);
        return new FrameResult(FrameDisposition.Dropped);
    }

    private FrameResult Complete(FragmentQueueDirectory directory, FragmentQueue queue, in FragmentDescriptor fragment, long timestampNanoseconds)
    {
        ref FamilyCounters counters = ref directory.Counters;
        FragmentProtocol protocol = directory.Protocol;
        if (protocol.IsOversize(queue.NetworkHeaderLength, queue.Length))
        {
            Report(AnomalyKind.Oversize, in fragment, queue.Policy, default, timestampNanoseconds);
            counters.ReasmFails++;
            directory.Remove(queue);
            return new FrameResult(FrameDisposition.Dropped);
        }

        byte[] buffer = queue.DetachCompletedFrame(out int frameStart, out int frameLength);
        protocol.FinishHeader(buffer.AsSpan(frameStart + queue.LinkHeaderLength, queue.NetworkHeaderLength), queue.Length, queue);

        ReassembledDatagram datagram = _spareDatagramCount > 0
            ? _spareDatagrams[--_spareDatagramCount]
            : new ReassembledDatagram(_buffers, _recycleDatagram);
        datagram.Attach(buffer, frameStart, frameLength, queue.LinkHeaderLength, queue.FirstLinkType, queue.FirstInterfaceId, timestampNanoseconds, protocol.Family, queue.FragmentCount);
        datagram.AttachIdentity(queue.Key.Identification, queue.Policy);
        counters.ReasmOKs++;
        directory.Remove(queue);
        return new FrameResult(FrameDisposition.Reassembled, datagram);
    }

    private void RecycleDatagram(ReassembledDatagram datagram)
    {
        if (_spareDatagramCount == _spareDatagrams.Length)
        {
            Array.Resize(ref _spareDatagrams, _spareDatagrams.Length * 2);
        }

        _spareDatagrams[_spareDatagramCount++] = datagram;
    }

    private static FamilyStatistics Snapshot(in FamilyCounters counters) => new()
    {
        Frames = counters.Frames,
        NotFragmented = counters.NotFragmented,
        Malformed = counters.Malformed,
        ReasmReqds = counters.ReasmReqds,
        ReasmOKs = counters.ReasmOKs,
        ReasmFails = counters.ReasmFails,
        ReasmTimeout = counters.ReasmTimeout,
        ReasmOverlaps = counters.ReasmOverlaps,
    };

    private static long ToNanoseconds(TimeSpan span) => span.Ticks * 100;
}
