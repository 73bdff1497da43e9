namespace Reassembly.Capture;

/// <summary>Tuning for <see cref="CaptureFileWriter"/>. The writer copies the values; changing an instance later has no effect on a writer already created.</summary>
public sealed class CaptureWriterOptions
{
    /// <summary>The size of each buffer frames are written into before the buffer is handed to the background file writer, in bytes.</summary>
    /// <remarks>Defaults to 1 MiB: one write system call per MiB keeps the syscall cost negligible next to copying the bytes.</remarks>
    public int BufferSize { get; set; } = 1024 * 1024;

    /// <summary>How many buffers may exist at once: one being filled by the caller, the rest queued for or being written to disk.</summary>
    /// <remarks>
    /// Defaults to 4. When all are in flight, <see cref="CaptureFileWriter.WriteFrame"/> blocks until the disk catches up, so the
    /// writer's memory stays at <see cref="BufferSize"/> × this value; an unbounded queue would buffer the whole capture in
    /// memory whenever the producer outruns the disk. Must be at least 2 for the disk write to overlap with the caller.
    /// </remarks>
    public int BufferCount { get; set; } = 4;
}
