using Reassembly.Concurrency;

namespace Reassembly.Tests.Concurrency.Helpers;

/// <summary>
/// A thread that enters a read section of a domain, runs an optional action inside it, and stays there until
/// <see cref="Release"/>: the way to hold a grace period open from a test.
/// </summary>
internal sealed class ParkedReaderThread : IDisposable
{
    private readonly ManualResetEventSlim _entered = new();
    private readonly ManualResetEventSlim _release = new();
    private readonly Thread _thread;

    public ParkedReaderThread(EpochDomain domain, Action? insideSection = null, int nesting = 1)
    {
        _thread = new Thread(() =>
        {
            var scopes = new EpochReadScope[nesting];
            for (int i = 0; i < nesting; i++)
            {
                scopes[i] = domain.EnterRead();
            }

            insideSection?.Invoke();
            _entered.Set();
            _release.Wait();
            for (int i = nesting - 1; i >= 0; i--)
            {
                scopes[i].Dispose();
            }
        })
        { IsBackground = true, Name = "parked epoch reader" };
        _thread.Start();
        if (!_entered.Wait(TimeSpan.FromSeconds(10)))
        {
            throw new TimeoutException("The parked reader never entered its section.");
        }
    }

    /// <summary>Leaves the section and waits for the thread to end.</summary>
    public void Release()
    {
        _release.Set();
        if (!_thread.Join(TimeSpan.FromSeconds(10)))
        {
            throw new TimeoutException("The parked reader did not finish.");
        }
    }

    public void Dispose()
    {
        _release.Set();
        _thread.Join(TimeSpan.FromSeconds(10));
        _entered.Dispose();
        _release.Dispose();
    }
}
