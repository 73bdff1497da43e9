using System;
using System.IO;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;

namespace Reassembly.Capture;

/// <summary>The file-backed input: a fill task that reads the file into a <see cref="Pipe"/> ahead of the parser.</summary>
public sealed partial class CaptureFileReader
{
    private SafeFileHandle? _file;
    private FileStream? _fillStream;
    private Internal.MappedFileSequence? _mapping;
    private PipeWriter? _fillWriter;
    private int _segmentSize;
    private CancellationTokenSource? _fillCancellation;
    private Task? _fillTask;

    /// <summary>
    /// Opens a capture file for reading. The file is read by a background fill task, in segments of
    /// <see cref="CaptureReaderOptions.SegmentSize"/> bytes, at most <see cref="CaptureReaderOptions.PauseThreshold"/> bytes
    /// ahead of the parser; reading starts when <see cref="ReadAllAsync"/> is called.
    /// </summary>
    /// <param name="path">The file to read.</param>
    /// <param name="options">Buffering and limits; defaults apply when null.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static CaptureFileReader Open(string path, CaptureReaderOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new CaptureReaderOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.SegmentSize, 4096, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.PauseThreshold, options.SegmentSize, nameof(options));

        SafeFileHandle file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        if (options.MemoryMap && Internal.MappedFileSequence.TryMap(file) is { } mapping)
        {
            // The parser walks the mapping itself: no fill task, no pipe buffers, and records stay put (IsStable).
            return new CaptureFileReader(PipeReader.Create(mapping.Sequence), options)
            {
                _file = file,
                _mapping = mapping,
            };
        }

        var pipe = new Pipe(new PipeOptions(
            pauseWriterThreshold: options.PauseThreshold,
            resumeWriterThreshold: options.PauseThreshold / 2,
            minimumSegmentSize: options.SegmentSize,
            useSynchronizationContext: false));

        return new CaptureFileReader(pipe.Reader, options)
        {
            _file = file,
            // Read through a stream (unbuffered: the pipe is the buffer) rather than at offsets, so that a named pipe
            // or a character device, which cannot seek, is read as well as a file.
            _fillStream = new FileStream(file, FileAccess.Read, bufferSize: 0),
            _fillWriter = pipe.Writer,
            _segmentSize = options.SegmentSize,
        };
    }

    /// <summary>
    /// Whether <paramref name="frameData"/> (a <see cref="CaptureFrame.Data"/> this reader handed out) stays valid and
    /// unchanged until the reader is disposed, so that a handler may keep it past the callback without copying it.
    /// True only for a memory-mapped file (<see cref="CaptureReaderOptions.MemoryMap"/>), and there for every record
    /// but the rare one that straddles two mapping chunks and so was assembled in the reader's scratch buffer.
    /// </summary>
    public bool IsStable(ReadOnlySpan<byte> frameData) => _mapping is { } mapping && mapping.Contains(frameData);

    /// <summary>Whether the input is a memory-mapped file (see <see cref="CaptureReaderOptions.MemoryMap"/>).</summary>
    public bool IsMemoryMapped => _mapping is not null;

    private void StartFill()
    {
        if (_fillStream is null || _fillWriter is null)
        {
            return;
        }

        _fillCancellation = new CancellationTokenSource();
        CancellationToken token = _fillCancellation.Token;
        FileStream stream = _fillStream;
        PipeWriter writer = _fillWriter;
        int segmentSize = _segmentSize;
        _fillTask = Task.Run(() => DoFillAsync(stream, writer, segmentSize, token), CancellationToken.None);
    }

    private async Task StopFillAsync()
    {
        if (_fillCancellation is not null)
        {
            await _fillCancellation.CancelAsync().ConfigureAwait(false);
        }

        if (_fillTask is not null)
        {
            // DoFillAsync never faults: its errors travel to the parser through the pipe.
            await _fillTask.ConfigureAwait(false);
        }

        _fillCancellation?.Dispose();
        _mapping?.Dispose();
        if (_fillStream is not null)
        {
            await _fillStream.DisposeAsync().ConfigureAwait(false);
        }

        _file?.Dispose();
    }

    private static async Task DoFillAsync(FileStream file, PipeWriter writer, int segmentSize, CancellationToken cancellationToken)
    {
        Exception? error = null;
        try
        {
            await ProcessFillAsync(file, writer, segmentSize, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Disposal: nobody is reading any more.
        }
        catch (Exception ex)
        {
            // A failed disk read reaches the parser as the exception its next ReadAsync throws.
            error = ex;
        }
        finally
        {
            await writer.CompleteAsync(error).ConfigureAwait(false);
        }
    }

    private static async Task ProcessFillAsync(FileStream file, PipeWriter writer, int segmentSize, CancellationToken cancellationToken)
    {
        while (true)
        {
            Memory<byte> memory = writer.GetMemory(segmentSize);
            int read = await file.ReadAsync(memory, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return;
            }

            writer.Advance(read);

            // Honour backpressure: this waits while the parser is PauseThreshold bytes behind.
            FlushResult flush = await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (flush.IsCompleted || flush.IsCanceled)
            {
                return; // The parser finished, failed or was disposed.
            }
        }
    }
}
