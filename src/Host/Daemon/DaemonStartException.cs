namespace Reassembly.Host.Daemon;

/// <summary>The daemon could not start (an interface, an output); the message is the one line to print.</summary>
internal sealed class DaemonStartException : Exception
{
    public DaemonStartException(int exitCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ExitCode = exitCode;
    }

    public DaemonStartException()
    {
    }

    public DaemonStartException(string message)
        : base(message)
    {
    }

    public DaemonStartException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int ExitCode { get; } = ExitCodes.BadConfiguration;
}
