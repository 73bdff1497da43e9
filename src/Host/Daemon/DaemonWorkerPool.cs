using System.Threading.Channels;
using Reassembly.Capture.Live;

namespace Reassembly.Host.Daemon;

/// <summary>
/// <c>--threads N</c> (N &gt; 1) in the daemon: the frame loop classifies each frame and hands it to the worker its
/// <see cref="ClassifiedFrame.SteeringHash"/> names, each worker on a thread of its own, as replay steers; the worker
/// runs it through its <see cref="ReassemblyWorker"/> and passes the result to the loop's writer.
/// </summary>
/// <remarks>
/// <para>Steering by source keeps every fragment of a datagram on one worker, in capture order. Unlike replay, output
/// order across workers is the order they finish in (a live capture has no input file to mirror), so the writer is
/// shared under a lock (<see cref="DaemonFrameLoop"/>), and the events sink too.</para>
/// <para>Clock: each worker takes the largest timestamp it has seen, and when idle moves on to the system clock
/// (<see cref="ReassemblyWorker.AdvanceClock(long)"/> on its own thread, as the engine requires).</para>
/// <para>Hand-off: one bounded channel per worker, as large as the capture queue, so a write never fails (every slot
/// is somewhere in the capture queue or in exactly one worker channel). A worker returns the slot to the capture queue
/// once its result is written.</para>
/// </remarks>
internal sealed class DaemonWorkerPool
{
    private static readonly TimeSpan IdleWait = TimeSpan.FromMilliseconds(100);

    private readonly ReassemblyEngine _engine;
    private readonly LiveFrameQueue _frames;
    private readonly Channel<LiveFrame>[] _queues;
    private readonly Thread[] _threads;
    private readonly Action<LiveFrame, FrameResult> _write;
    private readonly Func<long> _nowNanoseconds;
    private readonly TimeProvider _time;
    private long _frameIndex;

    public DaemonWorkerPool(ReassemblyEngine engine, LiveFrameQueue frames, int capacity, Action<LiveFrame, FrameResult> write, Func<long> nowNanoseconds, TimeProvider time)
    {
        _engine = engine;
        _frames = frames;
        _write = write;
        _nowNanoseconds = nowNanoseconds;
        _time = time;
        _queues = new Channel<LiveFrame>[engine.WorkerCount];
        _threads = new Thread[engine.WorkerCount];
        for (int w = 0; w < _queues.Length; w++)
        {
            _queues[w] = Channel.CreateBounded<LiveFrame>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true });
            int worker = w;
            _threads[w] = new Thread(() => WorkerLoop(worker)) { IsBackground = true, Name = "reassembly worker " + w };
            _threads[w].Start();
        }
    }

    /// <summary>On the frame loop's thread: steers one frame (the worker returns its slot).</summary>
    public void Dispatch(LiveFrame frame)
    {
        _engine.Classify(frame.Data, frame.LinkType, frame.InterfaceId, _frameIndex++, out ClassifiedFrame classified);
        int worker = (int)(classified.SteeringHash % (uint)_queues.Length);
        bool queued = _queues[worker].Writer.TryWrite(frame);
        System.Diagnostics.Debug.Assert(queued, "A worker channel holds every slot, so it is never full.");
    }

    /// <summary>No more frames: each worker finishes what it holds; returns once every worker thread has ended.</summary>
    public void Complete()
    {
        foreach (Channel<LiveFrame> queue in _queues)
        {
            queue.Writer.TryComplete();
        }

        foreach (Thread thread in _threads)
        {
            thread.Join();
        }
    }

    private void WorkerLoop(int index)
    {
        ReassemblyWorker worker = _engine.GetWorker(index);
        ChannelReader<LiveFrame> reader = _queues[index].Reader;
        long clock = long.MinValue;
        long frameIndex = 0;
        while (true)
        {
            while (reader.TryRead(out LiveFrame? frame))
            {
                try
                {
                    ReadOnlySpan<byte> data = frame.Data;
                    clock = Math.Max(clock, frame.TimestampNanoseconds);

                    // Classified again here: classification is stateless and cheap next to a copy between threads.
                    _engine.Classify(data, frame.LinkType, frame.InterfaceId, frameIndex++, out ClassifiedFrame classified);
                    FrameResult result = worker.Process(data, in classified, frame.TimestampNanoseconds, clock);
                    try
                    {
                        _write(frame, result);
                    }
                    finally
                    {
                        result.Datagram?.Dispose();
                    }
                }
                finally
                {
                    _frames.Return(frame);
                }
            }

            long now = _nowNanoseconds();
            clock = Math.Max(clock, now);
            worker.AdvanceClock(clock);
            using var timeout = new CancellationTokenSource(IdleWait, _time);
            try
            {
                if (!reader.WaitToReadAsync(timeout.Token).AsTask().GetAwaiter().GetResult())
                {
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                // Idle: move the clock on and wait again.
            }
        }
    }
}
