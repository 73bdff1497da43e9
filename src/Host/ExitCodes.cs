namespace Reassembly.Host;

/// <summary>The process exit codes, documented in the README.</summary>
internal static class ExitCodes
{
    /// <summary>The input was read whole and every output written.</summary>
    public const int Success = 0;

    /// <summary>The command line was wrong (System.CommandLine reports it).</summary>
    public const int Usage = 1;

    /// <summary>
    /// The input could not be read whole: missing, empty, not a capture, corrupt or truncated. Everything read
    /// before the problem has still been processed and written.
    /// </summary>
    public const int InputError = 2;

    /// <summary>
    /// <c>run</c>: a setting is invalid, or an interface cannot be captured from; nothing was captured. (The same code
    /// as <see cref="InputError"/>: the daemon's input is its configuration and its interfaces.)
    /// </summary>
    public const int BadConfiguration = 2;

    /// <summary>An output file could not be written.</summary>
    public const int OutputError = 3;
}
