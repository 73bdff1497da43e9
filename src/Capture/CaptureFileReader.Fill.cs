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

        var pipe = new Pipe(new PipeOptions(
            pauseWriterThreshold: options.PauseThreshold,
            resumeWriterThreshold: options.PauseThreshold / 2,
            minimumSegmentSize: options.SegmentSize,
            useSynchronizationContext: false));

        SafeFileHandle file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        return new CaptureFileReader(pipe.Reader, options)
        {
            _file = file,
            _fillWriter = pipe.Writer,
            _segmentSize = options.SegmentSize,
        };
    }

    private void StartFill()
    {
        if (_file is null || _fillWriter is null)
        {
            return;
        }

        _fillCancellation = new CancellationTokenSource();
        CancellationToken token = _fillCancellation.Token;
        _fillTask = Task.Run(() => DoFillAsync(_file, _fillWriter, token), CancellationToken.None);
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
        _file?.Dispose();
    }

    private async Task DoFillAsync(SafeFileHandle file, PipeWriter writer, CancellationToken cancellationToken)
    {
        Exception? error = null;
        try
        {
            await ProcessFillAsync(file, writer, cancellationToken).ConfigureAwait(false);
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

    private async Task ProcessFillAsync(SafeFileHandle file, PipeWriter writer, CancellationToken cancellationToken)
    {
        long offset = 0;
        while (true)
        {
            Memory<byte> memory = writer.GetMemory(_segmentSize);
            int read = await RandomAccess.ReadAsync(file, memory, offset, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return;
            }

            offset += read;
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
