using Reassembly.Concurrency;
using Reassembly.Diagnostics;
using Reassembly.Memory;
using Reassembly.Namespaces;
using Reassembly.Parsing;
using Reassembly.Peers;
using Reassembly.Policies;
using Reassembly.Settings;

namespace Reassembly;

/// <summary>
/// Reassembles IPv4 and IPv6 fragments from captured frames (and RFC 4944 6LoWPAN fragments from IEEE 802.15.4 frames,
/// decompressed into IPv6 packets), by default by today's Linux rules: duplicates inside held
/// data are ignored, any other overlap drops the datagram (RFC 5722), incomplete datagrams expire after 30 s (IPv4) or
/// 60 s (IPv6) of packet time. A target-based <see cref="OverlapPolicy"/> can be chosen instead, globally or per
/// destination, and every anomaly is counted and reported to <see cref="ReassemblyOptions.AnomalySink"/>. Frames are
/// kept apart by namespace (<see cref="ReassemblyOptions.NamespaceBy"/>).
/// </summary>
/// <remarks>
/// <para>One thread: feed frames in capture order with <see cref="Process"/>; the clock is the largest timestamp
/// seen, so expiry follows packet time and never the machine's.</para>
/// <para>Several threads: create the engine with <see cref="ReassemblyOptions.Workers"/> = N, <see cref="Classify(ReadOnlySpan{byte}, LinkType, int, long)"/>
/// each frame in input order, keep the running largest timestamp as the frame's clock, and hand the frame to worker
/// <c>SteeringHash % N</c> (<see cref="GetWorker"/>); each worker runs on its own thread. The result is the same as one
/// thread's, frame for frame.</para>
/// <para>Once warm, processing a frame allocates nothing. <see cref="ExpireAll"/>, <see cref="Reset"/> and
/// <see cref="GetStatistics"/> must not run while a worker processes a frame.</para>
/// </remarks>
public sealed partial class ReassemblyEngine : IDisposable
{
    private readonly ReassemblyWorker[] _workers;
    private readonly NamespaceTable _namespaces;
    private readonly NamespaceSelector _selector;
    private readonly EpochDomain _epochs = new();
    private readonly PeerTable? _ipv4Peers;
    private readonly MemoryAccountant _memory;
    private readonly ReassemblyMetrics? _metrics;
    private long _clock = long.MinValue;
    private long _framesProcessed;

    private ReassemblyEngine(ReassemblyOptions options)
    {
        _selector = options.NamespaceBy;
        _workers = new ReassemblyWorker[options.Workers];
        if (options.Ipv4MaxDistance > 0)
        {
            _ipv4Peers = new PeerTable(new PeerTableOptions { MaxDistance = options.Ipv4MaxDistance }, _epochs);
        }

        _memory = new MemoryAccountant(options.ToMemoryLimits());
        _namespaces = new NamespaceTable(options.NamespaceBy, _workers, options.NamespacePolicies, _epochs, _ipv4Peers, _memory);
        _settings = new SettingsCell(SettingsSnapshot.From(new PolicyTable(options), options));
        for (int i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new ReassemblyWorker(i, _namespaces, options, _settings, _epochs, _ipv4Peers);
        }

        // The namespace of a selector-less engine exists from the start, so that empty statistics still name it.
        if (_selector == NamespaceSelector.None)
        {
            _namespaces.GetOrCreate(NamespaceKey.Default);
        }

        // Last, so that a collection never sees a half-built engine.
        _metrics = options.PublishMetrics ? new ReassemblyMetrics(_namespaces, _workers, options.MeterFactory) : null;
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

    /// <summary>The engine's <c>Reassembly</c> meter, or null when <see cref="ReassemblyOptions.PublishMetrics"/> is off (for tests).</summary>
    internal System.Diagnostics.Metrics.Meter? Meter => _metrics?.Meter;

    /// <summary>How many workers the engine has (<see cref="ReassemblyOptions.Workers"/>).</summary>
    public int WorkerCount => _workers.Length;

    /// <summary>Incomplete datagrams currently held.</summary>
    public int QueuesInUse
    {
        get
        {
            int count = 0;
            foreach (ReassemblyWorker worker in _workers)
            {
                count += worker.QueuesInUse;
            }

            return count;
        }
    }

    /// <summary>Worker <paramref name="index"/> (0 to <see cref="WorkerCount"/> - 1).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is out of range.</exception>
    public ReassemblyWorker GetWorker(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _workers.Length);
        return _workers[index];
    }

    /// <summary>
    /// Parses a frame's link-layer and IP headers and finds its namespace, without touching any state: safe on any
    /// thread. Never throws on bad input.
    /// </summary>
    /// <param name="frame">The frame, starting with its link-layer header.</param>
    /// <param name="linkType">The frame's link-layer type.</param>
    /// <param name="interfaceId">The capture interface, carried over to datagrams whose first fragment came from it.</param>
    /// <param name="frameIndex">The frame's position in the input (from 0), which anomaly events name; -1 if unknown.</param>
    public ClassifiedFrame Classify(ReadOnlySpan<byte> frame, LinkType linkType, int interfaceId = 0, long frameIndex = -1) =>
        new(frame, linkType, interfaceId, _selector, frameIndex);

    /// <summary>
    /// As <see cref="Classify(ReadOnlySpan{byte}, LinkType, int, long)"/>, but parses straight into
    /// <paramref name="classified"/>: a loop that classifies every frame saves a copy of the ~100-byte result (and the
    /// store-forwarding stall of copying it just after it was written).
    /// </summary>
    /// <param name="frame">The frame, starting with its link-layer header.</param>
    /// <param name="linkType">The frame's link-layer type.</param>
    /// <param name="interfaceId">The capture interface, carried over to datagrams whose first fragment came from it.</param>
    /// <param name="frameIndex">The frame's position in the input (from 0), which anomaly events name; -1 if unknown.</param>
    /// <param name="classified">Receives the classification.</param>
    public void Classify(ReadOnlySpan<byte> frame, LinkType linkType, int interfaceId, long frameIndex, out ClassifiedFrame classified) =>
        ClassifiedFrame.InitializeInPlace(out classified, frame, linkType, interfaceId, _selector, frameIndex);

    /// <summary>
    /// A hash of the frame's IP address pair, the same in both directions (0 for a frame without one): split traffic
    /// between instances by it (<c>hash % N</c>) and each instance sees every fragment of its datagrams. Stateless and
    /// safe on any thread.
    /// </summary>
    /// <param name="frame">The frame, starting with its link-layer header.</param>
    /// <param name="linkType">The frame's link-layer type.</param>
    public static uint AddressPairHash(ReadOnlySpan<byte> frame, LinkType linkType) => Parsing.AddressPairHash.Of(frame, linkType);

    /// <summary>
    /// Processes one captured frame on worker 0, the clock being the largest timestamp seen so far. Never throws on bad
    /// input: malformed packets are counted and passed through. For one thread (or an engine of one worker).
    /// </summary>
    /// <param name="frame">The frame, starting with its link-layer header. Read during the call only.</param>
    /// <param name="linkType">The frame's link-layer type.</param>
    /// <param name="timestampNanoseconds">The capture timestamp, in nanoseconds since the Unix epoch.</param>
    /// <param name="interfaceId">The capture interface, carried over to datagrams whose first fragment came from it.</param>
    public FrameResult Process(ReadOnlySpan<byte> frame, LinkType linkType, long timestampNanoseconds, int interfaceId = 0)
    {
        if (timestampNanoseconds > _clock)
        {
            _clock = timestampNanoseconds;
        }

        ClassifiedFrame.InitializeInPlace(out ClassifiedFrame classified, frame, linkType, interfaceId, _selector, _framesProcessed++);
        return _workers[0].Process(frame, in classified, timestampNanoseconds, _clock);
    }

    /// <summary>
    /// Expires every incomplete datagram, counting each as a timeout: call it at the end of a capture, where nothing
    /// more can arrive.
    /// </summary>
    public void ExpireAll()
    {
        // First the input's own clock reaches every worker: a queue whose deadline the input passed expires by time (an
        // ICMP Time Exceeded would have gone out), as on one worker, even if its worker saw no frame after the deadline.
        // Only what is left expires because the input ended.
        long clock = _clock;
        foreach (ReassemblyWorker worker in _workers)
        {
            clock = Math.Max(clock, worker.Clock);
        }

        foreach (ReassemblyWorker worker in _workers)
        {
            worker.AdvanceClock(clock);
            worker.ExpireAll();
        }

        TakeBackRetired();
    }

    /// <summary>Frees the engine's meter, epoch domain and peer table. Datagrams handed out stay valid until disposed.</summary>
    public void Dispose()
    {
        _metrics?.Dispose();
        _ipv4Peers?.Dispose();
        _epochs.Dispose();
    }

    /// <summary>
    /// Drops every queue without counting it, zeroes the counters and forgets the clock, keeping pooled buffers and
    /// namespaces warm: the engine behaves as new. Datagrams handed out earlier stay valid until disposed.
    /// </summary>
    public void Reset()
    {
        foreach (ReassemblyWorker worker in _workers)
        {
            worker.Reset();
        }

        foreach (ReassemblyNamespace ns in _namespaces.Snapshot())
        {
            ns.ResetCounters();
            ns.FoldMemory();
            ns.ResetMemoryPeak();
        }

        _memory.ResetPeak();

        TakeBackRetired();
        _clock = long.MinValue;
        _framesProcessed = 0;
    }

    /// <summary>
    /// Dismantles a namespace, as the kernel's <c>fqdir_exit</c> does when a network namespace goes away: its queues are
    /// dropped without being counted as failures, its counters and tables are forgotten, and a later frame of that
    /// namespace creates it anew. Costs one pass over the workers' queues. Must not run while a worker processes a frame.
    /// </summary>
    /// <param name="name">The namespace's name, as in <see cref="NamespaceStatistics.Name"/>.</param>
    /// <returns>False if no namespace has that name.</returns>
    public bool RemoveNamespace(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        ReassemblyNamespace? ns = _namespaces.Remove(name);
        if (ns is null)
        {
            return false;
        }

        foreach (ReassemblyWorker worker in _workers)
        {
            worker.DropNamespace(ns);
        }

        TakeBackRetired();
        return true;
    }

    /// <summary>With no worker running: waits out a grace period so that every retired queue is back in its pool.</summary>
    private void TakeBackRetired()
    {
        foreach (ReassemblyWorker worker in _workers)
        {
            worker.Queues.FlushRetired();
        }

        _epochs.Synchronize();
        foreach (ReassemblyWorker worker in _workers)
        {
            worker.Queues.TakeBackReclaimed();
        }
    }

    /// <summary>The namespaces (tests look at their tables).</summary>
    internal NamespaceTable Namespaces => _namespaces;

    /// <summary>Takes a snapshot of the counters: totals, and per namespace in the order they were created.</summary>
    public ReassemblyStatistics GetStatistics()
    {
        ReassemblyNamespace[] namespaces = _namespaces.Snapshot();
        var perNamespace = new NamespaceStatistics[namespaces.Length];
        FamilyStatistics ipv4 = new();
        FamilyStatistics ipv6 = new();
        long memoryInUse = 0;
        long largestNamespacePeak = 0;
        FamilyStatistics lowpan = new();
        for (int i = 0; i < namespaces.Length; i++)
        {
            ReassemblyNamespace ns = namespaces[i];
            perNamespace[i] = new NamespaceStatistics
            {
                Name = ns.Name,
                VlanId = ns.Key.VlanId < 0 ? null : ns.Key.VlanId,
                InterfaceId = ns.Key.InterfaceId < 0 ? null : ns.Key.InterfaceId,
                Ipv4 = ns.Snapshot(IpFamily.Ipv4),
                Ipv6 = ns.Snapshot(IpFamily.Ipv6),
                Lowpan = ns.Snapshot(IpFamily.Lowpan),
                QueuesInUse = ns.QueuesInUse,
                MemoryBytes = ns.MemoryInUse,
                PeakMemoryBytes = ns.PeakMemory,
            };
            memoryInUse += ns.MemoryInUse;
            largestNamespacePeak = Math.Max(largestNamespacePeak, ns.PeakMemory);
            ipv4 = ipv4.Plus(perNamespace[i].Ipv4);
            ipv6 = ipv6.Plus(perNamespace[i].Ipv6);
            lowpan = lowpan.Plus(perNamespace[i].Lowpan);
        }

        long frames = 0, notIp = 0, linkErrors = 0;
        long[] anomalies = new long[AnomalyKindNames.Count];
        foreach (ReassemblyWorker worker in _workers)
        {
            frames += worker.Frames;
            notIp += worker.NotIp;
            linkErrors += worker.LinkErrors;
            ReadOnlySpan<long> counts = worker.AnomalyCounts;
            for (int k = 0; k < anomalies.Length; k++)
            {
                anomalies[k] += counts[k];
            }
        }

        return new ReassemblyStatistics
        {
            Frames = frames,
            NotIp = notIp,
            LinkErrors = linkErrors,
            Ipv4 = ipv4,
            Ipv6 = ipv6,
            Lowpan = lowpan,
            QueuesInUse = QueuesInUse,
            Namespaces = perNamespace,
            Anomalies = new AnomalyStatistics(anomalies),
            Memory = new MemoryStatistics
            {
                UsedBytes = memoryInUse,
                PeakBytes = Math.Max(Math.Max(_memory.PeakBytes, memoryInUse), largestNamespacePeak),
                HighThresholdBytes = _memory.Limits.HighThresholdBytes,
                LowThresholdBytes = _memory.Limits.LowThresholdBytes,
                GlobalLimitBytes = _memory.Limits.GlobalLimitBytes,
                Mode = _memory.Limits.Mode,
            },
        };
    }
}
