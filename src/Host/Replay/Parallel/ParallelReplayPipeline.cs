using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using Reassembly.Capture;

namespace Reassembly.Host.Replay.Parallel;

/// <summary>
/// A replay on several threads with the output of one: the reader thread copies frames into segments, classifies them
/// and steers each to a worker (by source address, <see cref="ClassifiedFrame.SteeringHash"/>); every worker thread
/// runs the frames of each segment that belong to its workers, each through its <see cref="ReassemblyWorker"/>; the
/// reader, once the ring is full, emits the oldest segment's results in input order when all threads are done with it.
/// </summary>
/// <remarks>
/// <para>Why the output is byte-identical for any number of workers: a worker sees its frames in input order; all the
/// frames of one datagram come from one source and so go to one worker; each frame carries the clock (the largest
/// timestamp up to it in input order), and expiry compares deadlines with that clock only; the writer emits results
/// in input order, a datagram at the position of the fragment that completed it.</para>
/// <para>Flow: a ring of <see cref="RingSize"/> segments bounds memory. The reader fills one segment at a time;
/// <see cref="_ready"/>[t] counts segments published to worker thread t; <see cref="_done"/> counts segments every
/// worker thread has finished (<see cref="FrameSegment.Pending"/> counts the threads still at it). Every thread
/// finishes segment k before k + 1, so segments are finished in sequence order. The reader is also the writer: when
/// the ring is full it waits for the oldest segment to be done and writes it, which frees its
/// slot. One thread fewer than a separate writer on a machine with few cores, and the output side costs the reader
/// what it costs a one-thread replay. Releases of the hand-offs (lock-protected counters) order each stage's writes
/// before the next stage's reads.</para>
/// <para>Workers and threads: the engine's W workers are dealt out to T worker threads in turn (worker w runs on thread
/// w mod T, in order of w within a segment). T = W gives each worker a thread; fewer threads keep the number of busy
/// threads within the cores (<see cref="DefaultWorkerThreads"/>): the reader, which also writes, is the critical path, and
/// a reader that must share its core with a worker loses more than the worker gains. Measured on the 2-core machine of
/// bench/README.md (w200k, 16 interleaved rounds, session 10): two workers on two threads beside the reader took 1.06x
/// the time of a one-thread replay per round; on one thread, with the reader's stream prefetch, 0.91x.</para>
/// <para>Failures: an output error (or a bug) in a worker or while writing is recorded in <see cref="_failure"/>; the
/// stages keep passing segments along without writing, so nothing deadlocks, and the reader rethrows the failure at
/// its next frame or at <see cref="Complete"/>.</para>
/// </remarks>
internal sealed class ParallelReplayPipeline : IDisposable
{
    private const int RingSize = 8;
    // Small segments, so that the whole ring (4 MiB) stays in the last-level cache: a worker then reads the frames the
    // reader just copied from cache, not from DRAM. With 4 MiB segments (32 MiB in flight) the same w200k replay on
    // two threads took about 15% more CPU time, all of it in copies.
    private const int SegmentFrames = 512;
    private const int SegmentBytes = 512 * 1024;

    // Frames a worker prefetches ahead of the one it processes (ReassemblyEngine.PrefetchFrame).
    private const int PrefetchDistance = 3;

    // How far ahead of the frame it has just found the reader asks for a mapped input's bytes (PrefetchStreamAhead).
    private const int StreamPrefetchBytes = 8 * 1024;

    private readonly ReassemblyEngine _engine;
    private readonly IReplayOutput _output;
    private readonly OrderedAnomalySink? _events;
    private readonly FrameSegment[] _ring = new FrameSegment[RingSize];
    private readonly HandOff[] _ready;
    private readonly HandOff _done = new(0);
    private readonly Thread[] _threads;
    private readonly int _workerCount;
    private FrameSegment? _filling;
    private long _published;
    private long _written;
    private long _framesRead;
    private long _clock = long.MinValue;
    private long _totalSegments = long.MaxValue;
    private volatile bool _finished;
    private Exception? _failure;
    private CaptureInterface[] _interfaces = [];
    private bool _completed;

    // Stopwatch ticks, for Timings: the reader's own, and each worker thread's, stored by the thread when it returns.
    private long _readerWaitingTicks;
    private long _writingTicks;
    private readonly long[] _threadBusyTicks;
    private readonly long[] _threadWaitingTicks;

    /// <param name="engine">The engine, with at least two workers.</param>
    /// <param name="output">Where the reader writes each finished segment.</param>
    /// <param name="events">The engine's anomaly sink when it puts events back in input order, else null.</param>
    /// <param name="workerThreads">Threads that run the engine's workers (1 to the engine's worker count).</param>
    public ParallelReplayPipeline(ReassemblyEngine engine, IReplayOutput output, OrderedAnomalySink? events, int workerThreads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workerThreads, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(workerThreads, engine.WorkerCount);
        _engine = engine;
        _output = output;
        _events = events;
        _workerCount = engine.WorkerCount;
        for (int i = 0; i < RingSize; i++)
        {
            _ring[i] = new FrameSegment(SegmentFrames, SegmentBytes, _workerCount);
        }

        _ready = new HandOff[workerThreads];
        _threads = new Thread[workerThreads];
        _threadBusyTicks = new long[workerThreads];
        _threadWaitingTicks = new long[workerThreads];
        for (int t = 0; t < workerThreads; t++)
        {
            int thread = t;
            _ready[t] = new HandOff(0);
            _threads[t] = new Thread(() => WorkerLoop(thread)) { IsBackground = true, Name = "replay worker " + t };
            _threads[t].Start();
        }
    }

    /// <summary>
    /// Worker threads for <paramref name="workers"/> workers when the user leaves it to us: one per worker, but no more
    /// than leaves a core of its own to the reader (<paramref name="processors"/> - 1), and at least one.
    /// </summary>
    public static int DefaultWorkerThreads(int workers, int processors) => Math.Clamp(processors - 1, 1, workers);

    /// <summary>
    /// The capture's interfaces as the reader knew them when it published the newest segment: every interface a
    /// published frame refers to is in it. Copy-on-write, read with a volatile read (the writing is done on the reader's
    /// thread today, which needs no fence, but the output may ask from elsewhere).
    /// </summary>
    public IReadOnlyList<CaptureInterface> Interfaces => Volatile.Read(ref _interfaces);

    /// <summary>Where the time went, per stage; complete once <see cref="Complete"/> or <see cref="Dispose"/> has returned.</summary>
    public PipelineTimings Timings
    {
        get
        {
            var busy = new double[_threads.Length];
            var waiting = new double[_threads.Length];
            for (int t = 0; t < _threads.Length; t++)
            {
                busy[t] = PipelineTimings.Seconds(_threadBusyTicks[t]);
                waiting[t] = PipelineTimings.Seconds(_threadWaitingTicks[t]);
            }

            return new PipelineTimings(_workerCount, _published, PipelineTimings.Seconds(_readerWaitingTicks), PipelineTimings.Seconds(_writingTicks), busy, waiting);
        }
    }

    /// <summary>
    /// On the reader's thread: takes one frame; <paramref name="stable"/> says its bytes outlive the callback (see
    /// <see cref="CaptureFileReader.IsStable"/>), so the segment references them instead of copying them.
    /// </summary>
    public void OnFrame(in CaptureFrame frame, IReadOnlyList<CaptureInterface> readerInterfaces, bool stable)
    {
        ThrowIfFailed();
        if ((uint)frame.InterfaceId >= (uint)_interfaces.Length)
        {
            // Pairs with the Volatile.Read in Interfaces: published before any segment that holds this frame.
            Volatile.Write(ref _interfaces, [.. readerInterfaces]);
        }

        FrameSegment segment = _filling ??= Acquire();
        if (segment.IsFull || (segment.Count > 0 && !segment.Fits(frame.Data.Length)))
        {
            Publish();
            segment = _filling = Acquire();
        }

        if (frame.TimestampNanoseconds > _clock)
        {
            _clock = frame.TimestampNanoseconds;
        }

        if (stable)
        {
            PrefetchStreamAhead(frame.Data);
        }

        int index = segment.Add(in frame, _clock, stable);
        // Classified straight into the segment's slot: the struct is about 100 bytes.
        ref ClassifiedFrame classified = ref segment.Classified[index];
        _engine.Classify(segment.Frame(index), frame.LinkType, frame.InterfaceId, _framesRead++, out classified);
        segment.Assign(index, (int)(classified.SteeringHash % (uint)_workerCount));
    }

    /// <summary>
    /// On the reader's thread, at the end of the input: publishes the last frames and waits until every frame has
    /// been reassembled and written. Throws the first failure of a worker or of the writing.
    /// </summary>
    public void Complete()
    {
        if (!_completed)
        {
            _completed = true;
            if (_filling is { Count: > 0 })
            {
                Publish();
            }

            Shutdown();
        }

        ThrowIfFailed();
    }

    public void Dispose()
    {
        if (!_completed)
        {
            _completed = true;
            Shutdown();
        }

    }

    private void Shutdown()
    {
        _totalSegments = _published;
        _finished = true;
        foreach (HandOff ready in _ready)
        {
            ready.Release();
        }

        foreach (Thread thread in _threads)
        {
            thread.Join();
        }

        while (_written < _published)
        {
            WaitUntilDone();
            WriteNext();
        }
    }

    /// <summary>On the reader's thread: waits for the workers to finish a segment (timed for <see cref="Timings"/>).</summary>
    private void WaitUntilDone()
    {
        long start = Stopwatch.GetTimestamp();
        _done.Wait();
        _readerWaitingTicks += Stopwatch.GetTimestamp() - start;
    }

    private FrameSegment Acquire()
    {
        // The reader is also the writer: a full ring means writing the oldest segment, once every worker is done with it.
        while (_published - _written == RingSize)
        {
            WaitUntilDone();
            WriteNext();
        }

        FrameSegment segment = _ring[_published % RingSize];
        segment.Pending = _threads.Length;
        segment.BaseIndex = _framesRead;
        return segment;
    }

    private void Publish()
    {
        _filling = null;
        _published++;
        foreach (HandOff ready in _ready)
        {
            ready.Release();
        }
    }

    /// <summary>
    /// On the reader's thread: asks for as many bytes as <paramref name="frame"/> holds, <see cref="StreamPrefetchBytes"/>
    /// past its end, in the mapping it lies in. Why: the reader touches only a record's header and
    /// the frame's first line or two, so the hardware prefetchers see no stream and every record costs a miss to memory
    /// (perf, w200k on two threads: the record parser 0.16 s of the reader's time, against 0.03 s in a one-thread
    /// replay, where the copy of each frame streams the next record in). Asking for about as many bytes as it has just
    /// consumed keeps the reader a steady distance behind its requests, and the worker that copies the frame later
    /// finds it in the last-level cache. A hint only: a prefetch never faults, past the mapping's end or anywhere else.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void PrefetchStreamAhead(ReadOnlySpan<byte> frame)
    {
        if (!Sse.IsSupported)
        {
            return;
        }

        fixed (byte* start = frame)
        {
            // The record header in front of the next frame is counted in too (16 bytes in pcap).
            byte* from = start + frame.Length + StreamPrefetchBytes;
            byte* to = from + frame.Length + 16;
            for (byte* line = from; line < to; line += 64)
            {
                Sse.Prefetch0(line);
            }
        }
    }

    private void WorkerLoop(int t)
    {
        // This thread's workers, t, t + T, t + 2T, ...: each segment's shares are run in that order.
        int threadCount = _threads.Length;
        var mine = new int[(_workerCount - t + threadCount - 1) / threadCount];
        var workers = new ReassemblyWorker[mine.Length];
        for (int j = 0; j < mine.Length; j++)
        {
            mine[j] = t + (j * threadCount);
            workers[j] = _engine.GetWorker(mine[j]);
        }

        long next = 0;
        long busy = 0;
        long waiting = 0;
        while (true)
        {
            long waitStart = Stopwatch.GetTimestamp();
            _ready[t].Wait();
            long workStart = Stopwatch.GetTimestamp();
            waiting += workStart - waitStart;
            if (_finished && next == Volatile.Read(ref _totalSegments))
            {
                // Read by the reader after it joined this thread.
                _threadBusyTicks[t] = busy;
                _threadWaitingTicks[t] = waiting;
                return;
            }

            FrameSegment segment = _ring[next % RingSize];
            next++;
            for (int j = 0; j < mine.Length; j++)
            {
                ProcessShare(workers[j], mine[j], segment);
            }

            if (Interlocked.Decrement(ref segment.Pending) == 0)
            {
                _done.Release();
            }

            busy += Stopwatch.GetTimestamp() - workStart;
        }
    }

    /// <summary>Runs worker <paramref name="w"/>'s frames of <paramref name="segment"/>.</summary>
    private void ProcessShare(ReassemblyWorker worker, int w, FrameSegment segment)
    {
        if (Volatile.Read(ref _failure) is null)
        {
            OrderedAnomalySink.SetBatch(segment.Events[w]);
            try
            {
                int[] mine = segment.WorkerFrames[w];
                FrameResult[] results = segment.WorkerResults[w];
                int count = segment.WorkerCounts[w];
                for (int k = 0; k < count; k++)
                {
                    int i = mine[k];
                    if (k + PrefetchDistance < count)
                    {
                        // A mapped input's frames come straight from the page cache: start loading the one due next.
                        ReassemblyEngine.PrefetchFrame(segment.Frame(mine[k + PrefetchDistance]));
                    }

                    results[k] = worker.Process(segment.Frame(i), in segment.Classified[i], segment.Timestamps[i], segment.Clocks[i]);
                }

                // Expire what the input's clock has passed even if this worker had few frames here: timeouts then
                // happen in the segment where a single worker would have seen them (see OrderedAnomalySink).
                worker.AdvanceClock(segment.Clocks[segment.Count - 1]);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, e, null);
            }
            finally
            {
                OrderedAnomalySink.SetBatch(null);
            }
        }
    }

    /// <summary>On the reader's thread: writes the oldest segment, which every worker has finished, and frees its slot.</summary>
    private void WriteNext()
    {
        long start = Stopwatch.GetTimestamp();
        FrameSegment segment = _ring[_written % RingSize];
        try
        {
            if (Volatile.Read(ref _failure) is null)
            {
                _events?.EmitSegment(segment, segment.BaseIndex);
            }
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, e, null);
        }

        for (int i = 0; i < segment.Count; i++)
        {
            FrameResult result = segment.ResultOf(i);
            try
            {
                if (Volatile.Read(ref _failure) is null)
                {
                    _output.Write(result, segment.InterfaceIds[i], segment.Timestamps[i], segment.Frame(i), segment.OriginalLengths[i], Interfaces);
                }
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, e, null);
            }
            finally
            {
                result.Datagram?.Dispose();
            }
        }

        segment.Clear();
        _written++;
        _writingTicks += Stopwatch.GetTimestamp() - start;
    }

    private void ThrowIfFailed()
    {
        if (Volatile.Read(ref _failure) is { } failure)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }
    }
}
