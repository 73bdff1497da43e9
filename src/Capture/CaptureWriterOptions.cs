namespace Reassembly.Capture;

/// <summary>Tuning for <see cref="CaptureFileWriter"/>. The writer copies the values; changing an instance later has no effect on a writer already created.</summary>
public sealed class CaptureWriterOptions
{
    /// <summary>The size of each buffer frames are written into before the buffer is handed to the background file writer, in bytes.</summary>
    /// <remarks>Defaults to 1 MiB: one write system call per MiB keeps the syscall cost negligible next to copying the bytes.</remarks>
    public int BufferSize { get; set; } = 1024 * 1024;

    /// <summary>How many buffers may exist at once: one being filled by the caller, the rest queued for or being written to disk.</summary>
    /// <remarks>
    /// Defaults to 8: with direct I/O each disk write is synchronous, and a deeper queue lets the producer ride out the
    /// disk's latency spikes instead of stalling on them (8 MiB in all). When all are in flight, <see cref="CaptureFileWriter.WriteFrame"/> blocks until the disk catches up, so the
    /// writer's memory stays at <see cref="BufferSize"/> × this value; an unbounded queue would buffer the whole capture in
    /// memory whenever the producer outruns the disk. Must be at least 2 for the disk write to overlap with the caller.
    /// </remarks>
    public int BufferCount { get; set; } = 8;

    /// <summary>Whether full buffers are written with <c>O_DIRECT</c>, bypassing the page cache, where the file system allows it.</summary>
    /// <remarks>
    /// Defaults to true on Linux: writing a capture through the page cache costs a kernel copy on the writer thread and a
    /// write-back later, both competing with the producer for CPU, and a large output pushes the input out of the cache.
    /// The last, partly filled buffer (and everything after an explicit flush that leaves the file unaligned) goes through
    /// the page cache; file systems without direct I/O (tmpfs, network file systems) fall back to buffered writes by
    /// themselves. Turn it off when the file is read back at once and should stay cached. Ignored on other systems.
    /// </remarks>
    public bool DirectIo { get; set; } = true;
}
