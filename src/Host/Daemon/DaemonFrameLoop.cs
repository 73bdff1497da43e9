using Microsoft.Extensions.Logging;
using Reassembly.Capture.Live;
using Reassembly.Host.Replay;

namespace Reassembly.Host.Daemon;

/// <summary>
/// The daemon's consumer: takes each captured frame from the <see cref="LiveFrameQueue"/>, keeps it if it is in this
/// shard, runs it through the engine and writes what comes out; between frames it moves the engine's clock on with
/// the system clock (so that datagrams expire while the wire is quiet), rotates and flushes the outputs and logs the
/// statistics. Runs on one thread of its own, from start to <see cref="LiveFrameQueue"/> completion.
/// </summary>
/// <remarks>
/// <para>Hot path: one engine call per frame, no allocation, no lock (the settings the engine reads are an RCU
/// snapshot, <see cref="ReassemblyEngine.UpdateSettings"/>). Everything periodic is checked once per
/// <see cref="PeriodicCheckFrames"/> frames or when the queue is empty.</para>
/// <para>Clock: frames carry libpcap's wall-clock timestamps, so the engine's packet clock and the system clock agree;
/// the engine takes the larger of the two, and a clock that never goes back.</para>
/// <para>After an output failure the loop keeps taking frames (so the capture threads never stall) but drops them, and
/// <see cref="Failure"/> says why; the service then stops the daemon with exit code 3.</para>
/// </remarks>
internal sealed class DaemonFrameLoop
{
    private const int PeriodicCheckFrames = 256;
    private static readonly TimeSpan IdleWait = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);

    private readonly ReassemblyEngine _engine;
    private readonly LiveCaptureSource _source;
    private readonly DaemonSettings _settings;
    private readonly RotatingCaptureOutput? _output;
    private readonly AnomalyJsonLinesWriter? _events;
    private readonly LiveInjector? _injector;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Action _onFailure;
    private readonly long _statsIntervalTimestamps;
    private readonly long _flushIntervalTimestamps;
    private readonly DaemonWorkerPool? _pool;

    // With several workers, the outputs (capture file, injector, counters) are shared: writes take this lock. Only
    // writes do: reassembly itself runs on each worker without it. Null with one worker.
    private readonly Lock? _outputLock;
    private long _nextStats;
    private long _nextFlush;

    public DaemonFrameLoop(
        ReassemblyEngine engine, LiveCaptureSource source, DaemonSettings settings, RotatingCaptureOutput? output, AnomalyJsonLinesWriter? events,
        LiveInjector? injector, ILogger logger, TimeProvider time, Action onFailure, Lock? outputLock)
    {
        _engine = engine;
        _source = source;
        _settings = settings;
        _output = output;
        _events = events;
        _injector = injector;
        _logger = logger;
        _time = time;
        _onFailure = onFailure;
        _statsIntervalTimestamps = settings.Options.StatsInterval > 0 ? ToTimestamps(TimeSpan.FromSeconds(settings.Options.StatsInterval)) : 0;
        _flushIntervalTimestamps = ToTimestamps(FlushInterval);
        if (engine.WorkerCount > 1)
        {
            _outputLock = outputLock ?? throw new ArgumentNullException(nameof(outputLock), "Several workers share the outputs under one lock.");
            _pool = new DaemonWorkerPool(engine, source.Frames, settings.Options.QueueCapacity, WriteLocked, UnixNanoseconds, time);
        }
    }

    public long FramesOutsideShard { get; private set; }

    public long DatagramsWritten { get; private set; }

    public long PassedThroughWritten { get; private set; }

    public long FramesWritten => _output?.FramesWritten ?? 0;

    public long Injected { get; private set; }

    public long InjectFailed { get; private set; }

    /// <summary>Why the outputs stopped, or null.</summary>
    public string? Failure { get; private set; }

    /// <summary>The statistics taken on the loop's thread after the last frame (the engine's counters must not be read while it runs).</summary>
    public ReassemblyStatistics? FinalStatistics { get; private set; }

    /// <summary>Runs until the capture is stopped and every queued frame has been processed; then expires what is left and closes the outputs.</summary>
    public void Run()
    {
        long now = _time.GetTimestamp();
        _nextStats = now + _statsIntervalTimestamps;
        _nextFlush = now + _flushIntervalTimestamps;
        LiveFrameQueue frames = _source.Frames;
        while (true)
        {
            int taken = 0;
            while (frames.TryTake(out LiveFrame? frame))
            {
                if (_pool is not null && Failure is null && InShard(frame))
                {
                    // The worker returns the slot.
                    _pool.Dispatch(frame);
                }
                else
                {
                    try
                    {
                        if (Failure is null && InShard(frame))
                        {
                            OnFrame(frame);
                        }
                    }
                    finally
                    {
                        frames.Return(frame);
                    }
                }

                if (++taken == PeriodicCheckFrames)
                {
                    taken = 0;
                    Periodic();
                }
            }

            Periodic();
            if (!WaitForFrames(frames))
            {
                break;
            }
        }

        Finish();
    }

    private bool InShard(LiveFrame frame)
    {
        if (_settings.ShardCount > 1 && ReassemblyEngine.AddressPairHash(frame.Data, frame.LinkType) % (uint)_settings.ShardCount != (uint)_settings.ShardIndex)
        {
            FramesOutsideShard++;
            return false;
        }

        return true;
    }

    private void OnFrame(LiveFrame frame)
    {
        FrameResult result = _engine.Process(frame.Data, frame.LinkType, frame.TimestampNanoseconds, frame.InterfaceId);
        try
        {
            Write(frame, result);
        }
        finally
        {
            result.Datagram?.Dispose();
        }
    }

    /// <summary>A worker's result, with several workers: the outputs are shared.</summary>
    private void WriteLocked(LiveFrame frame, FrameResult result)
    {
        lock (_outputLock!)
        {
            if (Failure is null)
            {
                Write(frame, result);
            }
        }
    }

    private void Write(LiveFrame frame, FrameResult result)
    {
        ReadOnlySpan<byte> data = frame.Data;
        try
        {
            switch (result.Disposition)
            {
                case FrameDisposition.PassThrough when !_settings.Options.ReassembledOnly:
                    if (_output is not null)
                    {
                        _output.Write(frame.InterfaceId, frame.TimestampNanoseconds, data, frame.OriginalLength);
                        PassedThroughWritten++;
                    }

                    break;
                case FrameDisposition.Reassembled:
                    ReassembledDatagram datagram = result.Datagram!;
                    ReadOnlySpan<byte> bytes = datagram.Frame;
                    if (_output is not null)
                    {
                        _output.Write(datagram.InterfaceId, datagram.TimestampNanoseconds, bytes, bytes.Length);
                        DatagramsWritten++;
                    }

                    Inject(bytes);
                    break;
            }
        }
        catch (OutputFailedException e)
        {
            Fail(e.Message);
        }
    }

    private void Inject(ReadOnlySpan<byte> frame)
    {
        if (_injector is null)
        {
            return;
        }

        if (_injector.TrySend(frame))
        {
            Injected++;
        }
        else if (++InjectFailed is 1 or 10 or 100 or 1000 || InjectFailed % 10000 == 0)
        {
            // Logged on a decaying schedule: an MTU too small for every datagram must not flood the log.
            DaemonLog.InjectFailed(_logger, _injector.Name, InjectFailed, _injector.LastError ?? "unknown error");
        }
    }

    private void Periodic()
    {
        long now = _time.GetTimestamp();
        if (_pool is null)
        {
            // With several workers each moves its own clock (a worker is driven by one thread only).
            _engine.GetWorker(0).AdvanceClock();
        }

        if (Failure is not null)
        {
            return;
        }

        if (_outputLock is null)
        {
            PeriodicOutputs(now);
        }
        else
        {
            lock (_outputLock)
            {
                PeriodicOutputs(now);
            }
        }

        if (_statsIntervalTimestamps > 0 && now >= _nextStats)
        {
            // With several workers running this reads their counters as they move: a log line, not an invariant.
            _nextStats = now + _statsIntervalTimestamps;
            LogStatistics(_engine.GetStatistics());
        }
    }

    private void PeriodicOutputs(long now)
    {
        try
        {
            _output?.Tick();
            if (now >= _nextFlush)
            {
                _nextFlush = now + _flushIntervalTimestamps;
                _output?.Flush();
                _events?.Flush();
            }
        }
        catch (OutputFailedException e)
        {
            Fail(e.Message);
        }
    }

    private void Finish()
    {
        // Every worker finishes what it was handed before anything is expired.
        _pool?.Complete();

        // Nothing more can arrive: what is still incomplete expires now, counted (and reported) as timeouts.
        _engine.ExpireAll();
        try
        {
            _events?.Flush();
            _output?.Dispose();
        }
        catch (OutputFailedException e)
        {
            Fail(e.Message);
        }

        FinalStatistics = _engine.GetStatistics();
    }

    public void LogStatistics(ReassemblyStatistics statistics)
    {
        long captured = 0, dropped = 0, interfaceDropped = 0, queueDropped = 0;
        foreach (LiveInterfaceStatistics itf in _source.GetStatistics())
        {
            captured += itf.Captured;
            dropped += itf.Dropped;
            interfaceDropped += itf.InterfaceDropped;
            queueDropped += itf.QueueDropped;
        }

        DaemonLog.Statistics(
            _logger, statistics.Frames, statistics.Ipv4.ReasmReqds, statistics.Ipv4.ReasmOKs, statistics.Ipv4.ReasmFails, statistics.Ipv4.ReasmTimeout,
            statistics.Ipv6.ReasmReqds, statistics.Ipv6.ReasmOKs, statistics.Ipv6.ReasmFails, statistics.Ipv6.ReasmTimeout, statistics.QueuesInUse,
            FramesWritten, captured, dropped, interfaceDropped, queueDropped, FramesOutsideShard);
    }

    private bool WaitForFrames(LiveFrameQueue frames)
    {
        // Only when the queue is empty, so the allocations here (a timer, a task) are per idle period, not per frame.
        using var timeout = new CancellationTokenSource(IdleWait, _time);
        try
        {
            return frames.WaitAsync(timeout.Token).AsTask().GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    private void Fail(string reason)
    {
        if (Failure is not null)
        {
            return;
        }

        Failure = reason;
        DaemonLog.OutputFailed(_logger, reason);
        _onFailure();
    }

    private long UnixNanoseconds() => (_time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100;

    private long ToTimestamps(TimeSpan span) => (long)((Int128)span.Ticks * _time.TimestampFrequency / TimeSpan.TicksPerSecond);
}
