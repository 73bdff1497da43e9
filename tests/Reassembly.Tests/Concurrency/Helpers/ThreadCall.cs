namespace Reassembly.Tests.Concurrency.Helpers;

/// <summary>
/// Runs one call on a dedicated thread (not the pool, which a blocked call could starve) so that a test can check
/// whether it has returned yet. An exception from the call is rethrown by <see cref="Wait"/>.
/// </summary>
internal sealed class ThreadCall
{
    private readonly Thread _thread;
    private Exception? _error;

    public ThreadCall(Action action)
    {
        _thread = new Thread(() =>
        {
            try
            {
                action();
            }
            catch (Exception e)
            {
                _error = e;
            }
        })
        { IsBackground = true, Name = "test call" };
        _thread.Start();
    }

    /// <summary>True when the call returned within <paramref name="timeout"/>.</summary>
    public bool Wait(TimeSpan timeout)
    {
        if (!_thread.Join(timeout))
        {
            return false;
        }

        if (_error is not null)
        {
            throw new InvalidOperationException("The call failed.", _error);
        }

        return true;
    }
}
