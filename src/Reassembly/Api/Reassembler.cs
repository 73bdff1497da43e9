using System.Threading;

namespace Reassembly;

/// <summary>
/// The entry point for an IDS pipeline: frames in (raw link-layer bytes, as captured), and for each a
/// <see cref="ReassemblyResult"/> out: passed through, held, reassembled (with a pooled datagram the caller must
/// dispose), dropped or malformed. A layer over <see cref="ReassemblyEngine"/>, which it owns.
/// </summary>
/// <remarks>
/// <para><b>One thread</b> (the default, <see cref="ReassemblyOptions.Workers"/> = 1): call
/// <see cref="Process(ReadOnlySpan{byte}, LinkType, long, int)"/> for each frame in capture order, from one thread at
/// a time (not thread-safe: two threads calling it at once corrupt its state). The clock is the largest timestamp seen,
/// so incomplete datagrams expire in packet time, never by the machine's clock. Once warm it allocates nothing per
/// frame.</para>
/// <para><b>Several threads</b>: create it with <see cref="ReassemblyOptions.Workers"/> = N and either let
/// <see cref="ReassembleAsync"/> run N lanes for you, or drive the lanes yourself (<see cref="Classify"/>,
/// <see cref="LaneFor"/>, <see cref="GetLane"/>; see <see cref="ReassemblerLane"/>). Do not mix
/// <see cref="Process(ReadOnlySpan{byte}, LinkType, long, int)"/> with lanes run by other threads: it uses lane 0.</para>
/// <para><b>Events</b>: anomalies (overlaps, teardrop, timeouts, ...) go to <see cref="ReassemblyOptions.AnomalySink"/>,
/// a callback run synchronously on the processing thread; <see cref="ChannelAnomalySink"/> turns them into a channel.
/// <b>Metrics</b> are published on the <c>Reassembly</c> meter (<see cref="ReassemblyMetricNames"/>).</para>
/// <para><see cref="ExpireAll"/>, <see cref="Reset"/> and <see cref="GetStatistics"/> must not run while a frame is
/// being processed.</para>
/// </remarks>
public sealed partial class Reassembler : IDisposable
{
    private readonly ReassemblyEngine _engine;
    private readonly ReassemblyWorker _first;
    private readonly ReassemblerLane[] _lanes;
    private long _clock = long.MinValue;
    private long _frameIndex;
    private int _streaming;

    private Reassembler(ReassemblyEngine engine)
    {
        _engine = engine;
        _lanes = new ReassemblerLane[engine.WorkerCount];
        for (int i = 0; i < _lanes.Length; i++)
        {
            _lanes[i] = new ReassemblerLane(engine.GetWorker(i));
        }

        _first = engine.GetWorker(0);
    }

    /// <summary>Creates a reassembler.</summary>
    /// <param name="options">Timeouts, policies, namespaces, workers, sink and metrics; null takes every default (Linux's).</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public static Reassembler Create(ReassemblyOptions? options = null) => new(ReassemblyEngine.Create(options));

    /// <summary>How many lanes (workers) it has: <see cref="ReassemblyOptions.Workers"/>.</summary>
    public int LaneCount => _lanes.Length;

    /// <summary>Incomplete datagrams currently held, over every lane and namespace.</summary>
    public int QueuesInUse => _engine.QueuesInUse;

    /// <summary>
    /// Processes one frame on lane 0, in capture order. Never throws on bad input: malformed frames are counted and
    /// reported as <see cref="ReassemblyStatus.Malformed"/>. Allocates nothing once warm. One thread at a time.
    /// </summary>
    /// <param name="frame">The frame, starting with its link-layer header. Read during the call only: the reassembler
    /// copies what it keeps, so the caller may reuse the buffer at once.</param>
    /// <param name="linkType">The frame's link-layer type (a pcap LINKTYPE_ value).</param>
    /// <param name="timestampNanoseconds">The capture time, in nanoseconds since the Unix epoch.</param>
    /// <param name="interfaceId">The capture interface; a reassembled datagram carries its first fragment's.</param>
    /// <returns>The outcome, which owns the reassembled datagram if there is one: dispose it.</returns>
    public ReassemblyResult Process(ReadOnlySpan<byte> frame, LinkType linkType, long timestampNanoseconds, int interfaceId = 0)
    {
        if (timestampNanoseconds > _clock)
        {
            _clock = timestampNanoseconds;
        }

        _engine.Classify(frame, linkType, interfaceId, _frameIndex++, out ClassifiedFrame classified);
        FrameResult result = _first.Process(frame, in classified, timestampNanoseconds, _clock);
        return ReassemblerLane.ToResult(in result, in classified);
    }

    /// <summary>As <see cref="Process(ReadOnlySpan{byte}, LinkType, long, int)"/>, with the capture time as a <see cref="DateTimeOffset"/>.</summary>
    /// <param name="frame">The frame, starting with its link-layer header. Read during the call only.</param>
    /// <param name="linkType">The frame's link-layer type.</param>
    /// <param name="timestamp">The capture time (100 ns resolution).</param>
    /// <param name="interfaceId">The capture interface.</param>
    /// <returns>The outcome, which owns the reassembled datagram if there is one: dispose it.</returns>
    public ReassemblyResult Process(ReadOnlySpan<byte> frame, LinkType linkType, DateTimeOffset timestamp, int interfaceId = 0) =>
        Process(frame, linkType, ToUnixNanoseconds(timestamp), interfaceId);

    /// <summary>
    /// Parses a frame's headers and finds its namespace and lane, touching no state: safe on any thread, never throws
    /// on bad input. For driving lanes yourself (<see cref="ReassemblerLane"/>).
    /// </summary>
    /// <param name="frame">The frame, starting with its link-layer header.</param>
    /// <param name="linkType">The frame's link-layer type.</param>
    /// <param name="interfaceId">The capture interface.</param>
    /// <param name="frameIndex">The frame's position in the input (from 0), which anomaly events name; -1 if unknown.</param>
    /// <param name="classified">Receives the classification (offsets into <paramref name="frame"/>, not a copy).</param>
    public void Classify(ReadOnlySpan<byte> frame, LinkType linkType, int interfaceId, long frameIndex, out ClassifiedFrame classified) =>
        _engine.Classify(frame, linkType, interfaceId, frameIndex, out classified);

    /// <summary>The lane that must process a classified frame: every fragment of one source in one namespace goes to the same one.</summary>
    /// <param name="classified">What <see cref="Classify"/> returned.</param>
    public int LaneFor(in ClassifiedFrame classified) => (int)(classified.SteeringHash % (uint)_lanes.Length);

    /// <summary>Lane <paramref name="index"/>, to be driven by one thread at a time.</summary>
    /// <param name="index">From 0 to <see cref="LaneCount"/> - 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is out of range.</exception>
    public ReassemblerLane GetLane(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _lanes.Length);
        return _lanes[index];
    }

    /// <summary>
    /// Expires every incomplete datagram, counting each as a timeout (and reporting it to the sink): call it where the
    /// input ends and nothing more can arrive. Not while a frame is processed.
    /// </summary>
    public void ExpireAll() => _engine.ExpireAll();

    /// <summary>
    /// Forgets every incomplete datagram uncounted, zeroes the counters and the clock, keeping pools warm. Datagrams
    /// handed out earlier stay valid until disposed. Not while a frame is processed.
    /// </summary>
    public void Reset()
    {
        _engine.Reset();
        _clock = long.MinValue;
        _frameIndex = 0;
    }

    /// <summary>A snapshot of the counters, totals and per namespace. Not while a frame is processed.</summary>
    public ReassemblyStatistics GetStatistics() => _engine.GetStatistics();

    /// <summary>Releases the engine and its meter. Datagrams handed out stay valid until disposed.</summary>
    public void Dispose() => _engine.Dispose();

    /// <summary>Nanoseconds since the Unix epoch, the unit of every timestamp in the engine.</summary>
    /// <param name="timestamp">A point in time.</param>
    public static long ToUnixNanoseconds(DateTimeOffset timestamp) =>
        (timestamp.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;

    /// <summary>Claims the reassembler for one stream; a second concurrent stream is misuse.</summary>
    private void BeginStream()
    {
        if (Interlocked.Exchange(ref _streaming, 1) != 0)
        {
            throw new InvalidOperationException("A Reassembler runs one ReassembleAsync stream at a time.");
        }
    }

    private void EndStream() => Volatile.Write(ref _streaming, 0);
}
