namespace Reassembly.Capture.Live;

/// <summary>An interface could not be opened or configured for capture; the message is one line naming it.</summary>
public sealed class LiveCaptureException : Exception
{
    /// <summary>Creates the exception.</summary>
    public LiveCaptureException()
    {
    }

    /// <summary>Creates the exception with its message.</summary>
    public LiveCaptureException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its message and cause.</summary>
    public LiveCaptureException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
