using System;
using System.Globalization;

namespace Reassembly.Capture;

/// <summary>
/// Thrown by <see cref="CaptureFileReader"/> when the bytes of a capture are not a valid pcap or pcapng file. It is the only
/// exception type a reader raises for bad input, so callers can tell a corrupt file apart from an I/O failure or a bug.
/// </summary>
/// <remarks>
/// A file that merely ends in the middle of its last record is not an error: see <see cref="CaptureReadSummary.Truncated"/>.
/// </remarks>
public sealed class CaptureFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="error">Why the input was rejected.</param>
    /// <param name="offset">The absolute byte offset of the record or header that is bad.</param>
    /// <param name="detail">A sentence describing the problem; the offset is appended to form <see cref="Exception.Message"/>.</param>
    /// <param name="innerException">The parser failure behind <see cref="CaptureFormatError.Malformed"/>, if any.</param>
    public CaptureFormatException(CaptureFormatError error, long offset, string detail, Exception? innerException = null)
        : base(string.Create(CultureInfo.InvariantCulture, $"{detail} (record at byte offset {offset})."), innerException)
    {
        Error = error;
        Offset = offset;
    }

    /// <summary>Why the input was rejected.</summary>
    public CaptureFormatError Error { get; }

    /// <summary>The absolute byte offset, from the start of the input, of the record, block or header that is bad.</summary>
    public long Offset { get; }
}
