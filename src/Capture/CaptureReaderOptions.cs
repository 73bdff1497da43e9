namespace Reassembly.Capture;

/// <summary>Tuning for <see cref="CaptureFileReader"/>. The reader copies the values it needs; changing an instance later has no effect on a reader already created.</summary>
public sealed class CaptureReaderOptions
{
    /// <summary>
    /// The size of each buffer the file-fill task reads into (the pipe's minimum segment size), in bytes.
    /// </summary>
    /// <remarks>
    /// Defaults to 1 MiB: large enough that one read system call moves a useful amount of data and few records straddle
    /// two segments (those are copied once into a scratch buffer), small enough to stay out of the large-object heap churn.
    /// Used only by <see cref="CaptureFileReader.Open"/>.
    /// </remarks>
    public int SegmentSize { get; set; } = 1024 * 1024;

    /// <summary>
    /// How many bytes the fill task may read ahead of the parser before it pauses, in bytes. It resumes at half this value.
    /// </summary>
    /// <remarks>
    /// Defaults to 16 MiB, so file I/O overlaps with parsing without holding a large part of the file in memory.
    /// Unbounded read-ahead would buffer the whole file whenever the frame handler is slower than the disk.
    /// Used only by <see cref="CaptureFileReader.Open"/>; must be at least <see cref="SegmentSize"/>.
    /// </remarks>
    public long PauseThreshold { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// Whether <see cref="CaptureFileReader.Open"/> maps the file into memory instead of reading it through a pipe.
    /// </summary>
    /// <remarks>
    /// Defaults to false. Mapped, the parser reads the file's pages in place: no read system call copies them into a
    /// buffer and no fill task runs, and every record stays valid until the reader is disposed
    /// (<see cref="CaptureFileReader.IsStable"/>), so a multi-threaded consumer can keep frames without copying them.
    /// Only for finished captures: the file's length is fixed when it is opened (bytes appended later are not read),
    /// and a file truncated by another process while mapped crashes the process (SIGBUS) when the missing pages are
    /// touched. Files that cannot be mapped (empty, pipes, devices) are read through the pipe as usual.
    /// </remarks>
    public bool MemoryMap { get; set; }

    /// <summary>
    /// The largest pcap record (header plus captured bytes) or pcapng block the reader accepts, in bytes; anything larger
    /// is reported as <see cref="CaptureFormatError.RecordTooLarge"/>.
    /// </summary>
    /// <remarks>
    /// Defaults to 256 MiB. A record that arrives in pieces is assembled in one scratch buffer of its full length, so an
    /// unbounded limit would let a single corrupt length field make the reader allocate up to 4 GiB.
    /// </remarks>
    public int MaxRecordLength { get; set; } = 256 * 1024 * 1024;
}
