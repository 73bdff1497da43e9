using System.Diagnostics;

namespace Reassembly.Host.Bench;

/// <summary>
/// Runs one pass of every lane (a worker and its share of the frames, as a NIC's receive queue and its ring) on a set
/// of threads that live for the whole benchmark (so no pass pays for starting threads); thread 0 is the calling thread.
/// </summary>
/// <remarks>
/// <para><b>Why lanes and threads differ.</b> On a shared machine a core is often slowed for seconds at a time (its
/// hyperthread sibling on the host is busy: measured on the 2-core VM, bench/README.md, a pinned one-thread pass takes
/// 0.21 s on one vCPU and 0.33 s on the other, and which one is slow changes from run to run). With one lane per thread a
/// pass lasts as long as the slowest thread's share. With several lanes per thread, a thread that has finished its own
/// lanes takes chunks of the others' lanes, as Linux's NAPI lets any core poll a queue whose core is busy, so the slow
/// core simply does less of the pass.</para>
/// <para><b>Ownership.</b> Lane <c>l</c> belongs to thread <c>l % threads</c>, which runs its own lanes a chunk at a
/// time in turn (so they advance together through the input, as receive queues drained in turn do). A lane is run by
/// one thread at a time: a thread runs a chunk only after winning the lane's <c>_taken</c> flag (compare-exchange 0 to 1)
/// and gives it back with a release store after advancing the lane's cursor, so the next thread to win it sees the
/// worker's state and the cursor as the last one left them. A thread steals only when all its own lanes are done, and
/// only when there are more lanes than threads.</para>
/// <para><b>Invariants.</b> (1) Within a pass, a lane's chunks run in input order, each exactly once (the cursor only
/// grows, and only its flag's holder moves it). (2) <c>_remaining</c> counts the lanes whose cursor has not reached the
/// end; it is decremented once per lane, by the holder that moves the cursor to the end. (3) A pass ends when every
/// thread has seen <c>_remaining</c> at 0, so no chunk of a pass runs after <see cref="Run"/> returns.</para>
/// </remarks>
internal sealed class ParallelPasses : IDisposable
{
    /// <summary>Frames a thread runs on a lane before it moves on: small against a pass (so the tail is short), large
    /// against the cost of a lane's warm state moving to another core.</summary>
    internal const int ChunkFrames = 2048;

    private readonly ReassemblyEngine _engine;
    private readonly FrameStore.WorkerShare[] _lanes;
    private readonly Thread[] _threads;
    private readonly Barrier _start;
    private readonly Barrier _done;
    private readonly long[] _busyTicks;
    private readonly int[] _stolenChunks;
    private readonly int[] _cursors;
    private readonly int[] _taken;
    private int _remaining;
    private volatile bool _stopping;
    private Exception? _failure;

    /// <summary>Starts <paramref name="threads"/> - 1 threads besides the caller's, to run <paramref name="lanes"/>.</summary>
    public ParallelPasses(ReassemblyEngine engine, FrameStore.WorkerShare[] lanes, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(threads, lanes.Length);
        _engine = engine;
        _lanes = lanes;
        _cursors = new int[lanes.Length];
        _taken = new int[lanes.Length];
        _start = new Barrier(threads);
        _done = new Barrier(threads);
        _busyTicks = new long[threads];
        _stolenChunks = new int[threads];
        _threads = new Thread[threads - 1];
        for (int i = 0; i < _threads.Length; i++)
        {
            int thread = i + 1;
            _threads[i] = new Thread(() => Loop(thread)) { IsBackground = true, Name = "bench thread " + thread };
            _threads[i].Start();
        }
    }

    /// <summary>How many threads run the lanes.</summary>
    public int ThreadCount => _busyTicks.Length;

    /// <summary>
    /// How long thread <paramref name="thread"/> spent running lanes in the last pass, in seconds: with one lane per
    /// thread the pass lasts as long as the slowest, so the spread shows imbalance and a thread kept off its core.
    /// </summary>
    public double BusySeconds(int thread) => (double)_busyTicks[thread] / Stopwatch.Frequency;

    /// <summary>Chunks of other threads' lanes that thread <paramref name="thread"/> ran in the last pass.</summary>
    public int StolenChunks(int thread) => _stolenChunks[thread];

    /// <summary>One pass: returns when every lane has processed its share.</summary>
    public void Run()
    {
        Array.Clear(_cursors);
        Array.Clear(_taken);
        int remaining = 0;
        foreach (FrameStore.WorkerShare lane in _lanes)
        {
            remaining += lane.Frames.Count > 0 ? 1 : 0;
        }

        _remaining = remaining;
        _start.SignalAndWait();
        RunLanes(0);
        _done.SignalAndWait();
        if (_failure is { } failure)
        {
            throw new InvalidOperationException("a benchmark thread failed", failure);
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _start.SignalAndWait();
        foreach (Thread thread in _threads)
        {
            thread.Join();
        }

        _start.Dispose();
        _done.Dispose();
    }

    private void Loop(int thread)
    {
        while (true)
        {
            _start.SignalAndWait();
            if (_stopping)
            {
                return;
            }

            RunLanes(thread);
            _done.SignalAndWait();
        }
    }

    private void RunLanes(int thread)
    {
        long start = Stopwatch.GetTimestamp();
        int stolen = 0;
        try
        {
            int threads = ThreadCount;

            // Own lanes first, a chunk of each in turn, until all of them are done.
            bool ownLeft = true;
            var wait = default(SpinWait);
            while (ownLeft && Volatile.Read(ref _failure) is null)
            {
                ownLeft = false;
                bool ran = false;
                for (int lane = thread; lane < _lanes.Length; lane += threads)
                {
                    ownLeft |= TryRunChunk(lane, out bool didRun);
                    ran |= didRun;
                }

                if (ownLeft && !ran)
                {
                    // Another thread holds every own lane that is left, for one chunk.
                    wait.SpinOnce();
                }
            }

            // Then anyone's: the lanes of a thread that has fallen behind. Not with one lane per thread: a lane runs on
            // one thread at a time, so taking turns on the last one would only move its state from core to core.
            var spin = default(SpinWait);
            while (_lanes.Length > threads && Volatile.Read(ref _remaining) > 0 && Volatile.Read(ref _failure) is null)
            {
                bool ran = false;
                for (int i = 1; i <= _lanes.Length; i++)
                {
                    int lane = (thread + i) % _lanes.Length;
                    if (TryRunChunk(lane, out bool didRun) && didRun)
                    {
                        ran = true;
                        stolen++;
                    }
                }

                if (!ran)
                {
                    // Every unfinished lane is being run by another thread: its last chunk will end soon.
                    spin.SpinOnce();
                }
            }
        }
        catch (Exception e)
        {
            // The others see it at their next look and stop; the barrier then lets Run rethrow it.
            Interlocked.CompareExchange(ref _failure, e, null);
        }

        _stolenChunks[thread] = stolen;
        _busyTicks[thread] = Stopwatch.GetTimestamp() - start;
    }

    // Returns whether the lane still had frames when looked at; didRun says whether this thread ran a chunk of it
    // (false when another thread holds it).
    private bool TryRunChunk(int lane, out bool didRun)
    {
        didRun = false;
        FrameStore.WorkerShare share = _lanes[lane];
        if (Volatile.Read(ref _cursors[lane]) >= share.Frames.Count)
        {
            return false;
        }

        if (Interlocked.CompareExchange(ref _taken[lane], 1, 0) != 0)
        {
            return true;
        }

        int from = _cursors[lane];
        int to = Math.Min(from + ChunkFrames, share.Frames.Count);
        if (from < to)
        {
            share.Frames.Process(_engine, _engine.GetWorker(lane), share.Clocks, from, to);
            didRun = true;
            Volatile.Write(ref _cursors[lane], to);
            if (to == share.Frames.Count)
            {
                Interlocked.Decrement(ref _remaining);
            }
        }

        // Release: the next holder sees the worker's state and the cursor as this thread left them (invariant 1).
        Volatile.Write(ref _taken[lane], 0);
        return to < share.Frames.Count;
    }
}
