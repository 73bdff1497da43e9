using System;
using System.Buffers;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Diagnostics;
using System.IO;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using Reassembly.Capture.Pcap;
using Reassembly.Capture.PcapNg;

namespace Reassembly.Capture;

/// <summary>
/// Streams the packet records of a pcap or pcapng capture to an <see cref="ICaptureFrameHandler"/>, in file order, without
/// buffering the whole file and without allocating per frame once warm.
/// </summary>
/// <remarks>
/// <para>
/// Theory of operations. Bytes arrive through a <see cref="PipeReader"/>: for <see cref="Open"/>, a fill task reads the file
/// into a <see cref="Pipe"/> in large segments so disk reads overlap with parsing. The async loop (<c>ProcessReadsAsync</c>)
/// hands each buffer to a synchronous ref-struct parser (<see cref="PcapRecordReader"/> or <see cref="PcapNgBlockReader"/>),
/// whose position survives the awaits in a plain state struct, on the Utf8JsonReader + JsonReaderState model.
/// </para>
/// <para>
/// A record that lies inside one pipe segment is handed out as a span straight into the pipe's memory. A complete record
/// that straddles segments is copied into one reusable scratch buffer. A record the buffer holds only part of is moved into
/// that scratch buffer and completed there as more bytes arrive: this consumes the pipe, so a record larger than the
/// pipe's pause threshold cannot stall the fill task (the pipe only resumes the writer once bytes are consumed).
/// </para>
/// <para>
/// Errors: bad bytes raise <see cref="CaptureFormatException"/> with the record's absolute offset; a last record cut short
/// is reported in <see cref="CaptureReadSummary"/>; exceptions from the handler and I/O errors from the input propagate
/// unchanged. The exception classification lives in <c>DoReadAsync</c>, apart from the loop, as in Kestrel's SocketConnection.
/// </para>
/// <para>An instance reads one capture once and is not thread-safe.</para>
/// </remarks>
public sealed partial class CaptureFileReader : IAsyncDisposable
{
    // Holds any fixed header the parsers peek at when it straddles two segments (the largest is the 24-byte pcap file header).
    private const int HeaderScratchLength = 32;

    // The scratch buffer starts at this size so that small straddling records do not grow it one step at a time.
    private const int MinimumScratchLength = 64 * 1024;

    private readonly PipeReader _input;
    private readonly int _maxRecordLength;
    private readonly List<CaptureInterface> _interfaces = [];
    private readonly ReadOnlyCollection<CaptureInterface> _interfacesView;

    private CaptureFormat _format;
    private PcapReaderState _pcapState;
    private PcapNgReaderState _pcapNgState;

    // Straddling and partially received records are copied here; it grows to the largest such record and is then reused.
    private byte[] _scratch = [];

    // While _pendingLength > 0, the first _pendingFilled bytes of a record of that length are in _scratch.
    private int _pendingLength;
    private int _pendingFilled;

    private long _frameIndex;

    // Set around each handler call, so DoReadAsync can tell the handler's exceptions (passed through) from parser defects.
    private bool _inHandler;
    private int _started;
    private int _disposed;

    /// <summary>
    /// Creates a reader over <paramref name="input"/>, which it takes ownership of: the reader completes it when
    /// <see cref="ReadAllAsync"/> ends or the reader is disposed.
    /// </summary>
    /// <param name="input">The capture bytes, from the first byte of the file.</param>
    /// <param name="options">Limits; see <see cref="CaptureReaderOptions"/>. Only <see cref="CaptureReaderOptions.MaxRecordLength"/> applies here.</param>
    public CaptureFileReader(PipeReader input, CaptureReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        options ??= new CaptureReaderOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxRecordLength, 64, nameof(options));
        _input = input;
        _maxRecordLength = options.MaxRecordLength;
        _interfacesView = _interfaces.AsReadOnly();
    }

    /// <summary>The detected format; <see cref="CaptureFormat.Unknown"/> until <see cref="ReadAllAsync"/> has seen the first bytes.</summary>
    public CaptureFormat Format => _format;

    /// <summary>
    /// The interfaces seen so far: for pcap the single interface of the file header; for pcapng every interface
    /// description block of every section so far, in file order. The index in this list is the
    /// <see cref="CaptureInterface.Id"/> and the <see cref="CaptureFrame.InterfaceId"/>: capture-wide, so a second
    /// section's interfaces follow the first section's instead of reusing their numbers.
    /// </summary>
    public IReadOnlyList<CaptureInterface> Interfaces => _interfacesView;

    /// <summary>For pcap, whether the magic number announced nanosecond timestamps (0xa1b23c4d). Always false for pcapng, whose resolution is per interface.</summary>
    public bool NanosecondTimestamps => _format == CaptureFormat.Pcap && _pcapState.Nanosecond;

    /// <summary>
    /// Detects pcap or pcapng from the first bytes, then calls <paramref name="handler"/> synchronously for every packet
    /// record in file order, until the input ends. May be called once per reader.
    /// </summary>
    /// <returns>Frame and byte counts, and whether the last record was cut short.</returns>
    /// <exception cref="CaptureFormatException">The input is empty, is not pcap or pcapng, or holds an impossible length, interface or timestamp.</exception>
    /// <exception cref="IOException">Reading the file failed.</exception>
    /// <exception cref="InvalidOperationException">The method was already called on this reader.</exception>
    public Task<CaptureReadSummary> ReadAllAsync(ICaptureFrameHandler handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("ReadAllAsync can be called only once per CaptureFileReader.");
        }

        StartFill();
        return DoReadAsync(handler, cancellationToken);
    }

    /// <summary>Stops the fill task if one is running, completes the input and closes the file.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _input.CompleteAsync().ConfigureAwait(false);
        await StopFillAsync().ConfigureAwait(false);
    }

    private async Task<CaptureReadSummary> DoReadAsync(ICaptureFrameHandler handler, CancellationToken cancellationToken)
    {
        try
        {
            return await ProcessReadsAsync(handler, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!_inHandler && IsParserDefect(ex))
        {
            // Slicing or arithmetic that hostile bytes drove out of range: still bad input, so report it as such instead of
            // letting a random exception type escape. Typed format errors, I/O errors, cancellation and everything the
            // handler throws pass through untouched.
            throw new CaptureFormatException(CaptureFormatError.Malformed, CurrentPosition,
                $"The capture could not be parsed ({ex.GetType().Name}: {ex.Message})", ex);
        }
        finally
        {
            // Completing the reader also tells the fill task to stop: its next FlushAsync reports IsCompleted.
            await _input.CompleteAsync().ConfigureAwait(false);
        }
    }

    private static bool IsParserDefect(Exception ex) =>
        ex is ArgumentException or IndexOutOfRangeException or OverflowException;

    private async Task<CaptureReadSummary> ProcessReadsAsync(ICaptureFrameHandler handler, CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (result.IsCanceled)
            {
                throw new OperationCanceledException("The capture read was canceled through PipeReader.CancelPendingRead.");
            }

            ReadOnlySequence<byte> buffer = result.Buffer;
            ReadOnlySequence<byte> unconsumed = ProcessBuffer(buffer, result.IsCompleted, handler);

            // Examined = everything: the parser has looked at all of it, so wake us only when more bytes arrive.
            _input.AdvanceTo(unconsumed.Start, buffer.End);

            if (result.IsCompleted)
            {
                return Finish(unconsumed.Length);
            }
        }
    }

    /// <summary>Parses what <paramref name="buffer"/> holds and returns the part that must wait for more bytes.</summary>
    private ReadOnlySequence<byte> ProcessBuffer(ReadOnlySequence<byte> buffer, bool isFinal, ICaptureFrameHandler handler)
    {
        if (_pendingLength > 0)
        {
            buffer = ContinuePendingRecord(buffer, handler);
            if (_pendingLength > 0)
            {
                return buffer;
            }
        }

        if (_format == CaptureFormat.Unknown && !TryDetectFormat(buffer))
        {
            return buffer;
        }

        ReadOnlySequence<byte> rest = _format == CaptureFormat.Pcap
            ? ProcessPcap(buffer, handler, out int pendingLength)
            : ProcessPcapNg(buffer, handler, out pendingLength);

        if (pendingLength > 0 && !isFinal)
        {
            StartPendingRecord(rest, pendingLength);
            return rest.Slice(rest.End);
        }

        return rest;
    }

    private bool TryDetectFormat(in ReadOnlySequence<byte> buffer)
    {
        Span<byte> scratch = stackalloc byte[sizeof(uint)];
        if (!Internal.SequenceHelpers.TryPeek(buffer, sizeof(uint), scratch, out ReadOnlySpan<byte> magicBytes))
        {
            return false;
        }

        uint magic = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(magicBytes);
        uint swapped = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(magic);
        if (magic == PcapNgBlockType.SectionHeader)
        {
            _format = CaptureFormat.PcapNg;
        }
        else if (magic is PcapFields.MicrosecondMagic or PcapFields.NanosecondMagic
                 || swapped is PcapFields.MicrosecondMagic or PcapFields.NanosecondMagic)
        {
            _format = CaptureFormat.Pcap;
        }
        else
        {
            throw new CaptureFormatException(CaptureFormatError.UnknownMagic, 0,
                $"Not a pcap or pcapng file: it starts with 0x{magic:x8}, which is neither a pcap magic number nor a pcapng section header block");
        }

        return true;
    }

    private void StartPendingRecord(in ReadOnlySequence<byte> partialRecord, int recordLength)
    {
        Debug.Assert(partialRecord.Length < recordLength, "A complete record must have been parsed in place.");
        EnsureScratch(recordLength);
        partialRecord.CopyTo(_scratch);
        _pendingLength = recordLength;
        _pendingFilled = (int)partialRecord.Length;
    }

    /// <summary>Appends to the record being assembled in the scratch buffer; parses it once complete. Returns the bytes after it.</summary>
    private ReadOnlySequence<byte> ContinuePendingRecord(ReadOnlySequence<byte> buffer, ICaptureFrameHandler handler)
    {
        int take = (int)Math.Min(buffer.Length, _pendingLength - _pendingFilled);
        buffer.Slice(0, take).CopyTo(_scratch.AsSpan(_pendingFilled));
        _pendingFilled += take;
        if (_pendingFilled < _pendingLength)
        {
            return buffer.Slice(take);
        }

        var record = new ReadOnlySequence<byte>(_scratch, 0, _pendingLength);
        _pendingLength = 0;
        _pendingFilled = 0;
        ReadOnlySequence<byte> rest = _format == CaptureFormat.Pcap
            ? ProcessPcap(record, handler, out int pendingLength)
            : ProcessPcapNg(record, handler, out pendingLength);
        Debug.Assert(rest.IsEmpty && pendingLength == 0, "An assembled record is exactly one complete record.");
        return buffer.Slice(take);
    }

    private CaptureReadSummary Finish(long unconsumedLength)
    {
        long leftover = _pendingLength > 0 ? _pendingFilled : unconsumedLength;
        switch (_format)
        {
            case CaptureFormat.Unknown when leftover == 0:
                throw new CaptureFormatException(CaptureFormatError.EmptyFile, 0, "The capture is empty (0 bytes)");
            case CaptureFormat.Unknown:
                throw new CaptureFormatException(CaptureFormatError.TruncatedFileHeader, 0,
                    $"The capture is only {leftover} bytes long, too short to hold a pcap or pcapng header");
            case CaptureFormat.Pcap when !_pcapState.HeaderRead:
                throw new CaptureFormatException(CaptureFormatError.TruncatedFileHeader, 0,
                    $"The pcap file ends after {leftover} bytes, inside its {PcapFields.FileHeaderLength}-byte file header");
            case CaptureFormat.PcapNg when !_pcapNgState.InSection:
                throw new CaptureFormatException(CaptureFormatError.TruncatedFileHeader, 0,
                    $"The pcapng file ends after {leftover} bytes, inside its first section header block");
        }

        long recordOffset = CurrentPosition;
        return new CaptureReadSummary(_format, _frameIndex, recordOffset + leftover, leftover > 0, recordOffset, leftover);
    }

    private long CurrentPosition => _format switch
    {
        CaptureFormat.Pcap => _pcapState.Position,
        CaptureFormat.PcapNg => _pcapNgState.Position,
        _ => 0,
    };

    /// <summary>Returns <paramref name="bytes"/> as one span: in place when it is one segment, else copied into the scratch buffer.</summary>
    private ReadOnlySpan<byte> Contiguous(in ReadOnlySequence<byte> bytes)
    {
        if (bytes.IsSingleSegment)
        {
            return bytes.FirstSpan;
        }

        int length = (int)bytes.Length;
        EnsureScratch(length);
        bytes.CopyTo(_scratch);
        return _scratch.AsSpan(0, length);
    }

    private void EnsureScratch(int length)
    {
        if (_scratch.Length >= length)
        {
            return;
        }

        // Grow geometrically so a run of slowly growing records costs O(log n) allocations; never beyond the record cap.
        long grown = Math.Max(length, Math.Max(MinimumScratchLength, 2L * _scratch.Length));
        _scratch = GC.AllocateUninitializedArray<byte>((int)Math.Min(grown, Math.Max(length, _maxRecordLength)));
    }

    private void Deliver(ICaptureFrameHandler handler, ReadOnlySpan<byte> data, int originalLength, long timestampNanoseconds, int interfaceId, LinkType linkType)
    {
        _mapping?.ParsedUpTo(CurrentPosition);

        var frame = new CaptureFrame(data, originalLength, timestampNanoseconds, interfaceId, linkType, _frameIndex);
        _frameIndex++;
        _inHandler = true;
        handler.OnFrame(in frame);
        _inHandler = false;
    }
}
