namespace Reassembly.Host.Bench;

/// <summary>
/// Runs one pass of every worker over its share of the frames, each worker on a thread of its own that lives for the
/// whole benchmark (so no pass pays for starting threads); worker 0 runs on the calling thread.
/// </summary>
internal sealed class ParallelPasses : IDisposable
{
    private readonly ReassemblyEngine _engine;
    private readonly FrameStore.WorkerShare[] _shares;
    private readonly Thread[] _threads;
    private readonly Barrier _start;
    private readonly Barrier _done;
    private volatile bool _stopping;
    private Exception? _failure;

    public ParallelPasses(ReassemblyEngine engine, FrameStore.WorkerShare[] shares)
    {
        _engine = engine;
        _shares = shares;
        _start = new Barrier(shares.Length);
        _done = new Barrier(shares.Length);
        _threads = new Thread[shares.Length - 1];
        for (int i = 0; i < _threads.Length; i++)
        {
            int worker = i + 1;
            _threads[i] = new Thread(() => Loop(worker)) { IsBackground = true, Name = "bench worker " + worker };
            _threads[i].Start();
        }
    }

    /// <summary>One pass: returns when every worker has processed its share.</summary>
    public void Run()
    {
        _start.SignalAndWait();
        RunShare(0);
        _done.SignalAndWait();
        if (_failure is { } failure)
        {
            throw new InvalidOperationException("a benchmark worker failed", failure);
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

    private void Loop(int worker)
    {
        while (true)
        {
            _start.SignalAndWait();
            if (_stopping)
            {
                return;
            }

            RunShare(worker);
            _done.SignalAndWait();
        }
    }

    private void RunShare(int worker)
    {
        try
        {
            _shares[worker].Frames.Process(_engine, _engine.GetWorker(worker), _shares[worker].Clocks);
        }
        catch (Exception e)
        {
            _failure = e;
        }
    }
}
