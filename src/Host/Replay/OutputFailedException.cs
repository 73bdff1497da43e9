namespace Reassembly.Host.Replay;

/// <summary>
/// Carries a failure of an output out of a reader callback, so that it is not mistaken for a problem with the input.
/// </summary>
internal sealed class OutputFailedException : Exception
{
    public OutputFailedException(string path, Exception inner)
        : base($"{path}: {inner.Message}", inner)
    {
    }
}
