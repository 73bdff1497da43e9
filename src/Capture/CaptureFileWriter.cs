using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using Reassembly.Capture.Writers;

namespace Reassembly.Capture;

/// <summary>
/// Writes frames to a pcap or pcapng file through large reusable buffers that a background thread writes to disk, so the
/// caller's work overlaps with disk I/O and no allocation happens per frame.
/// </summary>
/// <remarks>
/// Not thread-safe: one producer at a time. Errors from background writes are raised as <see cref="IOException"/> by the next
/// <see cref="WriteFrame"/>, <see cref="Flush"/>, <see cref="FlushAsync"/>, <see cref="Dispose"/> or <see cref="DisposeAsync"/>.
/// Disposing flushes; a writer that is never disposed may lose its last buffers.
/// </remarks>
public abstract class CaptureFileWriter : IDisposable, IAsyncDisposable
{
    private readonly BufferedFileSink _sink;
    private bool _disposed;

    private protected CaptureFileWriter(BufferedFileSink sink) => _sink = sink;

    /// <summary>The format this writer produces.</summary>
    public abstract CaptureFormat Format { get; }

    /// <summary>How many frames <see cref="WriteFrame"/> has accepted.</summary>
    public long FramesWritten { get; private protected set; }

    /// <summary>How many bytes (headers included) have been accepted; they are all on disk after <see cref="Flush"/>.</summary>
    public long BytesWritten => _sink.BytesAccepted;

    private protected BufferedFileSink Sink => _sink;

    /// <summary>Whether full buffers still go to disk with <c>O_DIRECT</c> (for tests; read it after a flush).</summary>
    internal bool DirectIoActive => _sink.DirectIoActive;

    /// <summary>
    /// Creates (or replaces) <paramref name="path"/> and returns a writer for <paramref name="format"/>. A pcapng writer
    /// writes its section header at once; a pcap writer writes its file header at the first <see cref="AddInterface"/>.
    /// </summary>
    /// <param name="path">The output file. An existing file is deleted first.</param>
    /// <param name="format"><see cref="CaptureFormat.Pcap"/> or <see cref="CaptureFormat.PcapNg"/>.</param>
    /// <param name="options">Buffering; defaults apply when null.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="format"/> is not a writable format, or an option is out of range.</exception>
    public static CaptureFileWriter Create(string path, CaptureFormat format, CaptureWriterOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new CaptureWriterOptions();
        if (format is not (CaptureFormat.Pcap or CaptureFormat.PcapNg))
        {
            throw new ArgumentOutOfRangeException(nameof(format), format, "Only Pcap and PcapNg can be written.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.BufferSize, 4096, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BufferCount, 2, nameof(options));

        // Delete, then CreateNew, instead of FileMode.Create: truncating an existing file makes ext4 (auto_da_alloc) flush
        // the whole new file to disk when it is closed, about 0.2 s per GB, while a fresh inode is written back lazily.
        File.Delete(path);
        SafeFileHandle file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        var sink = new BufferedFileSink(file, path, options.BufferSize, options.BufferCount, options.DirectIo);
        try
        {
            return format == CaptureFormat.Pcap ? new PcapFileWriter(sink) : new PcapNgFileWriter(sink);
        }
        catch
        {
            sink.Close();
            throw;
        }
    }

    /// <summary>
    /// Declares a capture interface and returns the id to pass to <see cref="WriteFrame"/>.
    /// </summary>
    /// <param name="linkType">The link-layer type of the interface's frames (0 to 65535).</param>
    /// <param name="snapLength">The interface's snap length as recorded in pcapng (0 = no limit). pcap files always declare 262144 (libpcap's maximum).</param>
    /// <param name="name">pcapng <c>if_name</c>; ignored by pcap.</param>
    /// <param name="nanosecond">Write timestamps in nanoseconds (pcap magic 0xa1b23c4d, pcapng <c>if_tsresol</c> = 9) rather than microseconds.</param>
    /// <returns>The interface id: its position among the interfaces, or for pcap always 0.</returns>
    /// <exception cref="InvalidOperationException">pcap only: the file already uses a different link type or resolution (write pcapng instead).</exception>
    public abstract int AddInterface(LinkType linkType, int snapLength, string? name = null, bool nanosecond = true);

    /// <summary>Appends one frame. The bytes are copied before the call returns.</summary>
    /// <param name="interfaceId">An id returned by <see cref="AddInterface"/>.</param>
    /// <param name="timestampNanoseconds">Nanoseconds since the Unix epoch, not negative; rounded down to microseconds for a microsecond interface.</param>
    /// <param name="data">The captured bytes.</param>
    /// <param name="originalLength">The frame's length on the wire, at least <paramref name="data"/>'s length.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside what the format can record.</exception>
    /// <exception cref="IOException">An earlier background write failed.</exception>
    public abstract void WriteFrame(int interfaceId, long timestampNanoseconds, ReadOnlySpan<byte> data, int originalLength);

    /// <summary>Blocks until every frame written so far has been handed to the operating system.</summary>
    /// <exception cref="IOException">A background write failed.</exception>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _sink.Flush();
    }

    /// <summary>Completes when every frame written so far has been handed to the operating system.</summary>
    /// <exception cref="IOException">A background write failed.</exception>
    public ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _sink.FlushAsync(cancellationToken);
    }

    /// <summary>Flushes, stops the background writer and closes the file.</summary>
    /// <exception cref="IOException">A background write failed; the file is closed anyway.</exception>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            _sink.Flush();
        }
        finally
        {
            _sink.Close();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Flushes without blocking, stops the background writer and closes the file.</summary>
    /// <exception cref="IOException">A background write failed; the file is closed anyway.</exception>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            await _sink.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            // The disk thread is idle once drained, so this join does not block.
            _sink.Close();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Throws for use after disposal or after a failed background write; every WriteFrame starts here.</summary>
    private protected void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _sink.ThrowIfFaulted();
    }

    /// <summary>Checks the arguments every format shares.</summary>
    private protected static void ValidateFrame(long timestampNanoseconds, ReadOnlySpan<byte> data, int originalLength, int maxCapturedLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(timestampNanoseconds);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(data.Length, maxCapturedLength, nameof(data));
        ArgumentOutOfRangeException.ThrowIfLessThan(originalLength, data.Length);
    }
}
