namespace Reassembly.Host.Daemon;

/// <summary>The daemon's exit code, set by whichever part fails (a service cannot return one from the host).</summary>
internal sealed class DaemonExit
{
    private int _code = ExitCodes.Success;

    public int Code => Volatile.Read(ref _code);

    /// <summary>Records a failure; the first one wins.</summary>
    public void Fail(int code) => Interlocked.CompareExchange(ref _code, code, ExitCodes.Success);
}
