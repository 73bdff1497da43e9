using System.Runtime.CompilerServices;
using System.Threading;
using Reassembly.Concurrency;
using Reassembly.Core;
using Reassembly.Diagnostics;
using Reassembly.Memory;
using Reassembly.Namespaces;
using Reassembly.Parsing;
using Reassembly.Peers;
using Reassembly.Policies;
using Reassembly.Protocols;
using Reassembly.Settings;

namespace Reassembly;

/// <summary>
/// One thread's share of an engine (the kernel's "any CPU handles a fragment", with fragments steered by source as
/// RSS steers flows): its own queues, buffers and counters in every namespace, so workers never contend on a queue,
/// a buffer pool or a counter.
/// </summary>
/// <remarks>
/// <para>Threading: each worker is driven by one thread at a time. Several workers of one engine run at once, each
/// on the frames whose <see cref="ClassifiedFrame.SteeringHash"/> maps to it, in input order. Datagrams a worker hands
/// out may be disposed on any thread: <see cref="ReassembledDatagram.Dispose"/> pushes the datagram (with its buffer)
/// onto <see cref="_returned"/>, a <see cref="ReturnStack{T}"/> that the worker empties on its own thread, so the
/// worker's pools need no lock.</para>
/// <para>Determinism: a worker expires a queue only when the clock it is given passes the queue's deadline, and that
/// clock is the largest timestamp in the input up to the frame being processed, so what is reassembled never depends
/// on how the threads were scheduled.</para>
/// </remarks>
public sealed partial class ReassemblyWorker
{
    private readonly NamespaceTable _namespaces;
    private readonly Action<ReassembledDatagram> _recycleDatagram;
    private ReturnStack<ReassembledDatagram> _returned;
    private ReassembledDatagram[] _spareDatagrams = new ReassembledDatagram[8];
    private int _spareDatagramCount;
    private ReassemblyNamespace? _lastNamespace;
    private long _clock = long.MinValue;
    private long _frames;
    private long _frameIndex;
    private readonly PeerTable? _ipv4Peers;
    private readonly PeerCache? _ipv4PeerCache;
    private readonly int _maxDistance;
    private long _lastMaintenance;
    private string _namespaceName = string.Empty;
    private OverlapPolicy? _namespacePolicy;
    private long _notIp;
    private long _linkErrors;

    internal ReassemblyWorker(int index, NamespaceTable namespaces, ReassemblyOptions options, SettingsCell settings, EpochDomain epochs, PeerTable? ipv4Peers)
    {
        Queues = new FragmentQueuePool(epochs, alone: options.Workers == 1);
        _ipv4Peers = ipv4Peers;
        _ipv4PeerCache = ipv4Peers is null ? null : new PeerCache(ipv4Peers, PeerCache.SetsFor(options.Workers));
        _maxDistance = ipv4Peers is null ? 0 : options.Ipv4MaxDistance;
        _settings = settings;
        _maxFragments = options.MaxFragmentsPerDatagram;
        _sink = options.AnomalySink;
        _timeProvider = options.TimeProvider;
        _queueObserver = new QueueObserver(this);
        Index = index;
        _namespaces = namespaces;
        _lowpanContexts = new Lowpan.LowpanContextTable(options.LowpanContexts);
        _recycleDatagram = ReturnDatagram;
        Buffers.RefillRequested = TakeBackReturned;
    }

    /// <summary>The worker's position in its engine, from 0.</summary>
    public int Index { get; }

    /// <summary>Incomplete datagrams this worker holds, over every namespace.</summary>
    public int QueuesInUse => _wheel.Count + Ipv4Expiry.Count + Ipv6Expiry.Count + LowpanExpiry.Count;

    internal DatagramBufferPool Buffers { get; } = new();

    internal FragmentQueuePool Queues { get; }

    /// <summary>The largest clock this worker has been given (long.MinValue before any).</summary>
    internal long Clock => _clock;

    internal long Frames => _frames;

    internal long NotIp => _notIp;

    internal long LinkErrors => _linkErrors;

    /// <summary>
    /// Processes one classified frame. Never throws on bad input: malformed packets are counted and passed through.
    /// </summary>
    /// <param name="frame">The frame's bytes, as classified. Read during the call only.</param>
    /// <param name="classified">What <see cref="ReassemblyEngine.Classify(ReadOnlySpan{byte}, LinkType, int, long)"/> returned for these bytes.</param>
    /// <param name="timestampNanoseconds">The frame's capture timestamp: a datagram completed by it carries it.</param>
    /// <param name="clockNanoseconds">
    /// The largest timestamp of any frame up to and including this one, in input order (over all workers). Queues whose
    /// deadline it has reached are expired first. It must never go back for one worker.
    /// </param>
    public FrameResult Process(ReadOnlySpan<byte> frame, in ClassifiedFrame classified, long timestampNanoseconds, long clockNanoseconds)
    {
        // One return site, built from a small enum and a reference: the JIT spilled the two-register FrameResult of each
        // callee to the stack and reloaded it whole, a store-forwarding stall per frame.
        FrameDisposition disposition = ProcessFrame(frame, in classified, timestampNanoseconds, clockNanoseconds, out ReassembledDatagram? datagram);
        return new FrameResult(disposition, datagram);
    }

    private FrameDisposition ProcessFrame(ReadOnlySpan<byte> frame, in ClassifiedFrame classified, long timestampNanoseconds, long clockNanoseconds, out ReassembledDatagram? datagram)
    {
        datagram = null;
        _frames++;
        _frameIndex = classified.FrameIndex;
        if (clockNanoseconds > _clock)
        {
            _clock = clockNanoseconds;
            ExpireBoth(clockNanoseconds);
            if (clockNanoseconds - _lastMaintenance >= MaintenanceIntervalNanoseconds)
            {
                Maintain(clockNanoseconds);
            }
        }

        FragmentQueueDirectory directory;
        switch (classified.Class)
        {
            case FrameClass.Ipv4:
                directory = NamespaceFor(classified.Namespace).Ipv4[Index];
                break;
            case FrameClass.Ipv6:
                directory = NamespaceFor(classified.Namespace).Ipv6[Index];
                break;
            case FrameClass.Lowpan:
                return ProcessLowpan(frame, in classified, timestampNanoseconds, out datagram);
            case FrameClass.NotIp:
                _notIp++;
                return FrameDisposition.PassThrough;
            default:
                _linkErrors++;
                return FrameDisposition.PassThrough;
        }

        NoteNamespace(directory);
        ref FamilyCounters counters = ref directory.Counters;
        counters.Frames++;
        switch (classified.Kind)
        {
            case PacketKind.Fragment:
                counters.ReasmReqds++;
                return Enqueue(directory, frame, in classified.Fragment, classified.LinkType, classified.InterfaceId, timestampNanoseconds, out datagram);
            case PacketKind.NotFragmented:
                counters.NotFragmented++;
                return FrameDisposition.PassThrough;
            case PacketKind.AtomicFragment:
                // RFC 6946: a datagram on its own. Linux (ipv6_frag_rcv) counts it as requested and reassembled.
                counters.ReasmReqds++;
                counters.ReasmOKs++;
                Report(AnomalyKind.Ipv6AtomicFragment, in classified.Fragment, timestampNanoseconds);
                return FrameDisposition.PassThrough;
            case PacketKind.OversizeFragment:
                // Passed through as malformed, as before; an IDS still wants to hear of a ping of death.
                counters.Malformed++;
                Report(AnomalyKind.Oversize, in classified.Fragment, timestampNanoseconds);
                return FrameDisposition.PassThrough;
            case PacketKind.IncompleteHeaderChain:
                // RFC 7112: Linux's ipv6_frag_rcv counts the request, then discards the fragment (a header error,
                // not a reassembly failure).
                counters.ReasmReqds++;
                Report(AnomalyKind.Ipv6IncompleteHeaderChain, in classified.Fragment, timestampNanoseconds);
                return FrameDisposition.Dropped;
            default:
                counters.Malformed++;
                return FrameDisposition.PassThrough;
        }
    }

    /// <summary>
    /// Moves the worker's clock on without a frame: queues whose deadline <paramref name="clockNanoseconds"/> has reached
    /// expire now. A worker that is given few frames (steering is by source) calls this at the end of each batch of
    /// input, so that its queues expire as soon as the input's clock passes their deadline.
    /// </summary>
    /// <param name="clockNanoseconds">The largest timestamp in the input so far; a smaller value is ignored.</param>
    public void AdvanceClock(long clockNanoseconds)
    {
        if (clockNanoseconds > _clock)
        {
            _clock = clockNanoseconds;
            ExpireBoth(clockNanoseconds);
            if (clockNanoseconds - _lastMaintenance >= MaintenanceIntervalNanoseconds)
            {
                Maintain(clockNanoseconds);
            }
        }
    }

    /// <summary>
    /// Moves the worker's clock on to <see cref="ReassemblyOptions.TimeProvider"/>'s time now (in nanoseconds since the
    /// Unix epoch, the timestamps' scale), as <see cref="AdvanceClock(long)"/> does: the daemon's idle tick.
    /// </summary>
    /// <exception cref="InvalidOperationException">The engine was created without a <see cref="ReassemblyOptions.TimeProvider"/>.</exception>
    public void AdvanceClock()
    {
        TimeProvider time = _timeProvider ?? throw new InvalidOperationException("The engine has no TimeProvider: it runs on packet time only.");
        AdvanceClock((time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100);
    }

    /// <summary>Expires every queue this worker holds: the end of a capture, where nothing more can arrive.</summary>
    internal void ExpireAll()
    {
        _frameIndex = -1;
        _expiringAtEnd = true;
        ExpireBoth(long.MaxValue);
        _expiringAtEnd = false;
    }

    /// <summary>
    /// Expires every family up to a clock; a removal heard meanwhile is a timeout (see <c>QueueObserver</c>). The clock
    /// moves on with almost every frame, but a queue falls due only once per timeout: one compare with a cached lower
    /// bound on the deadlines (<c>IsAnyDeadlineDue</c>) spares the per-frame path the try/finally and the wheel.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ExpireBoth(long nowNanoseconds)
    {
        if (IsAnyDeadlineDue(nowNanoseconds))
        {
            ExpireDue(nowNanoseconds);
        }
    }

    /// <summary>Drops the queues this worker holds in <paramref name="ns"/>, uncounted, and forgets the namespace.</summary>
    internal void DropNamespace(ReassemblyNamespace ns)
    {
        if (_lastNamespace == ns)
        {
            _lastNamespace = null;
        }

        RemoveQueues(ns.Ipv4[Index], ns.Ipv6[Index], ns.Lowpan[Index]);
        FoldMemory(ns);
    }

    /// <summary>Drops every queue without counting and forgets the clock (counters are reset by the engine).</summary>
    internal void Reset()
    {
        RemoveQueues(null, null, null);

        _ipv4PeerCache?.Clear(_clock);
        _clock = long.MinValue;
        _frames = 0;
        _notIp = 0;
        _linkErrors = 0;
        Array.Clear(_anomalyCounts);
    }

    /// <summary>
    /// Housekeeping runs once a second of the clock (packet time in a replay): idle peers go (Linux's inetpeer collects as
    /// it inserts, and on a timer), and tables left mid-rehash take a background step.
    /// </summary>
    private const long MaintenanceIntervalNanoseconds = 1_000_000_000;

    /// <summary>Buckets with entries each background rehash step moves, per table: a 64K-bucket table within a minute.</summary>
    internal const int BackgroundRehashBuckets = 1024;

    private void Maintain(long nowNanoseconds)
    {
        _lastMaintenance = nowNanoseconds;
        _ipv4Peers?.Collect(nowNanoseconds);
        _namespaces.RehashStep(BackgroundRehashBuckets);
    }

    /// <summary>Remembers the namespace of the frame being processed (anomaly events name it and take its policy).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void NoteNamespace(FragmentQueueDirectory directory)
    {
        // Written only on a change: a reference store costs a GC write barrier, and consecutive frames share a namespace.
        // Each namespace has a name object of its own, so a new name is a new namespace, whose policy comes with it.
        if (!ReferenceEquals(_namespaceName, directory.NamespaceName))
        {
            _namespaceName = directory.NamespaceName;
            _namespacePolicy = directory.NamespacePolicy;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ReassemblyNamespace NamespaceFor(NamespaceKey key)
    {
        ReassemblyNamespace? last = _lastNamespace;
        return last is not null && last.Key == key ? last : SwitchNamespace(key);
    }

    private ReassemblyNamespace SwitchNamespace(NamespaceKey key)
    {
        ReassemblyNamespace last = _namespaces.GetOrCreate(key);
        _lastNamespace = last;
        return last;
    }

    private FrameDisposition Enqueue(
        FragmentQueueDirectory directory, ReadOnlySpan<byte> frame, in FragmentDescriptor fragment, LinkType linkType, int interfaceId, long timestampNanoseconds, out ReassembledDatagram? datagram)
    {
        datagram = null;
        ref FamilyCounters counters = ref directory.Counters;

        // RFC 791 and RFC 8200 4.5: every fragment but the last carries a multiple of 8 octets. Linux answers IPv6 with
        // a parameter problem and trims IPv4; either way this fragment's bytes cannot be placed as sent.
        if (fragment.MoreFragments && (fragment.DataLength & 7) != 0)
        {
            counters.ReasmFails++;
            Report(AnomalyKind.NotMultipleOf8, in fragment, timestampNanoseconds);
            return FrameDisposition.Dropped;
        }

        if (IsTinyIpv4Fragment(in fragment))
        {
            Report(AnomalyKind.TinyFirstFragment, in fragment, timestampNanoseconds);
        }

        if (RefusesNewQueue(directory, in fragment, timestampNanoseconds))
        {
            return FrameDisposition.Dropped;
        }

        // One settings snapshot per fragment: a new datagram takes its deadline and its policy from the same one.
        SettingsSnapshot settings = _settings.Current;
        FragmentQueue queue = directory.FindOrCreate(in fragment.Key, _clock, settings.TimeoutNanoseconds(fragment.Key.Family));
        if (!queue.HasPolicy)
        {
            // Chosen once, from the first fragment's destination, as Suricata picks a tracker's policy; kept across
            // settings updates, so a datagram in flight is never reassembled under a mix of policies.
            AdoptNewQueue(directory, queue, settings.Policies.Resolve(in fragment.Key, directory.NamespacePolicy, directory.NamespaceName));
        }

        if (fragment.Key.Family == IpFamily.Ipv6)
        {
            CheckUnfragmentablePart(queue, frame, in fragment, timestampNanoseconds);
        }

        queue.LastArrivalNanoseconds = _clock;
        if (_maxDistance > 0 && fragment.Key.Family == IpFamily.Ipv4)
        {
            CheckIpIdDistance(directory, queue, in fragment, timestampNanoseconds, settings.Ipv4TimeoutNanoseconds);
        }

        return Place(directory, queue, frame, in fragment, linkType, interfaceId, timestampNanoseconds, out datagram);
    }

    /// <summary>A queue's first fragment has arrived: it is charged to its namespace, and takes its policy and observer.</summary>
    private void AdoptNewQueue(FragmentQueueDirectory directory, FragmentQueue queue, OverlapPolicy policy)
    {
        TrackNewQueue(directory, queue);
        queue.Policy = policy;
        queue.HasPolicy = true;
        queue.CreatedFrameIndex = _frameIndex;
        if (!ReferenceEquals(queue.Observer, _queueObserver))
        {
            // A recycled queue usually has this worker's observer already; skip the write barrier then.
            queue.Observer = _queueObserver;
        }
    }

    /// <summary>
    /// Inserts the fragment (<paramref name="data"/> is the frame it lies in) and settles the outcome for every family:
    /// held, completed, duplicate, or the whole datagram dropped.
    /// </summary>
    private FrameDisposition Place(
        FragmentQueueDirectory directory, FragmentQueue queue, ReadOnlySpan<byte> data, in FragmentDescriptor fragment, LinkType linkType, int interfaceId, long timestampNanoseconds, out ReassembledDatagram? datagram)
    {
        datagram = null;
        ref FamilyCounters counters = ref directory.Counters;
        QueueInsertResult inserted = queue.Insert(data, in fragment, linkType, interfaceId, Buffers, _frameIndex, _maxFragments, out OverlapOutcome overlap);
        switch (inserted)
        {
            case QueueInsertResult.Queued:
                ReportPlacement(in fragment, queue.Policy, in overlap, timestampNanoseconds);
                ChargeGrowth(directory, queue);
                return FrameDisposition.Held;
            case QueueInsertResult.Complete:
                ReportPlacement(in fragment, queue.Policy, in overlap, timestampNanoseconds);
                return Complete(directory, queue, in fragment, timestampNanoseconds, out datagram);
            case QueueInsertResult.Duplicate:
                // Dropped, but the queue keeps what it has (inet_frag_queue_insert's IPFRAG_DUP); a target policy may have grown it.
                ReportPlacement(in fragment, queue.Policy, in overlap, timestampNanoseconds);
                ChargeGrowth(directory, queue);
                return FrameDisposition.Dropped;
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
        return FrameDisposition.Dropped;
    }

    /// <summary>
    /// Linux's <c>ip_frag_too_far</c>: the queue notes the source's fragment counter at every fragment; if the source
    /// has sent more than the maximum distance of fragments since this queue's last one, its IP IDs have most likely
    /// wrapped and what the queue holds belongs to an older datagram, so the queue is emptied (and counted as failed)
    /// before the new fragment goes in.
    /// </summary>
    private void CheckIpIdDistance(FragmentQueueDirectory directory, FragmentQueue queue, in FragmentDescriptor fragment, long timestampNanoseconds, long timeoutNanoseconds)
    {
        queue.Peer ??= _ipv4PeerCache!.Acquire(PeerKey.ForIpv4(directory.NamespaceIndex, (uint)fragment.Key.Source), _clock);
        if (FragmentDistance.AdvanceAndCheck(queue.Peer, ref queue.PeerSequence, queue.FragmentCount > 0, _maxDistance))
        {
            directory.Counters.ReasmFails++;
            Report(AnomalyKind.IpIdDistanceReset, in fragment, queue.Policy, default, timestampNanoseconds);
            directory.Restart(queue, _clock, timeoutNanoseconds);
        }
    }

    private FrameDisposition Complete(FragmentQueueDirectory directory, FragmentQueue queue, in FragmentDescriptor fragment, long timestampNanoseconds, out ReassembledDatagram? datagram)
    {
        datagram = null;
        ref FamilyCounters counters = ref directory.Counters;
        FragmentProtocol protocol = directory.Protocol;
        if (protocol.IsOversize(queue.NetworkHeaderLength, queue.Length))
        {
            Report(AnomalyKind.Oversize, in fragment, queue.Policy, default, timestampNanoseconds);
            counters.ReasmFails++;
            directory.Remove(queue);
            return FrameDisposition.Dropped;
        }

        byte[] buffer = queue.DetachCompletedFrame(out int frameStart, out int frameLength);
        protocol.FinishDatagram(buffer.AsSpan(frameStart, frameLength), queue);
        ReassembledDatagram reassembled = RentDatagram();
        reassembled.Attach(buffer, frameStart, frameLength, queue.LinkHeaderLength, queue.FirstLinkType, queue.FirstInterfaceId, timestampNanoseconds, protocol.Family, queue.FragmentCount);
        reassembled.AttachIdentity(queue.Key.Identification, queue.Policy);
        counters.ReasmOKs++;
        directory.Remove(queue);
        datagram = reassembled;
        return FrameDisposition.Reassembled;
    }

    /// <summary>A spare datagram object, after taking back what other threads disposed if none is left.</summary>
    private ReassembledDatagram RentDatagram()
    {
        if (_spareDatagramCount == 0)
        {
            TakeBackReturned();
        }

        return _spareDatagramCount > 0 ? _spareDatagrams[--_spareDatagramCount] : new ReassembledDatagram(_recycleDatagram);
    }

    // Runs on whichever thread disposes the datagram (a writer, in a parallel replay).
    private void ReturnDatagram(ReassembledDatagram datagram) => _returned.Push(datagram);

    /// <summary>On the worker's thread: takes every datagram disposed since the last call back into the pools.</summary>
    private void TakeBackReturned()
    {
        ReassembledDatagram? datagram = _returned.TakeAll();
        while (datagram is not null)
        {
            IReturnStackNode<ReassembledDatagram> node = datagram;
            ReassembledDatagram? next = node.NextReturned;
            node.NextReturned = null;
            if (datagram.ReturnedBuffer is { } buffer)
            {
                datagram.ReturnedBuffer = null;
                Buffers.Return(buffer);
            }

            if (_spareDatagramCount == _spareDatagrams.Length)
            {
                Array.Resize(ref _spareDatagrams, _spareDatagrams.Length * 2);
            }

            _spareDatagrams[_spareDatagramCount++] = datagram;
            datagram = next;
        }
    }
}
