namespace Reassembly.Benchmarks;

/// <summary>
/// Runs the same action on the benchmark thread and on one persistent helper thread at once, without allocating per
/// run (a Barrier releases both and collects both), so that BenchmarkDotNet measures two threads sharing a table.
/// </summary>
internal sealed class TwoThreads : IDisposable
{
    private readonly Barrier _barrier = new(2);
    private readonly Thread _helper;
    private Func<int>? _work;
    private bool _stopping;

    public TwoThreads()
    {
        _helper = new Thread(() =>
        {
            while (true)
            {
                _barrier.SignalAndWait();
                if (Volatile.Read(ref _stopping))
                {
                    return;
                }

                _work!();
                _barrier.SignalAndWait();
            }
        })
        { IsBackground = true, Name = "benchmark helper" };
        _helper.Start();
    }

    /// <summary>Runs <paramref name="work"/> on both threads and returns when both are done.</summary>
    public void Run(Func<int> work) => Run(work, work);

    /// <summary>Runs <paramref name="helperWork"/> on the helper and <paramref name="mainWork"/> here, and returns when both are done.</summary>
    public void Run(Func<int> helperWork, Func<int> mainWork)
    {
        _work = helperWork;
        _barrier.SignalAndWait();
        mainWork();
        _barrier.SignalAndWait();
    }

    public void Dispose()
    {
        Volatile.Write(ref _stopping, true);
        _barrier.SignalAndWait();
        _helper.Join();
        _barrier.Dispose();
    }
}
