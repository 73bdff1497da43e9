using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;

namespace Reassembly.Capture.Writers;

/// <summary>
/// A write-behind file: the caller fills large buffers, and a dedicated thread writes full buffers to disk, so disk writes
/// overlap with producing frames.
/// </summary>
/// <remarks>
/// <para>
/// Theory of operations. <see cref="_buffers"/> is a ring of BufferCount buffers. The disk thread owns the
/// <see cref="_queued"/> buffers starting at <see cref="_head"/>; the producer owns the one after them (<see cref="_fillIndex"/>),
/// or none while all are queued, in which case the next write blocks until the disk thread frees one. Memory is therefore
/// bounded by BufferCount × BufferSize whatever the producer does. <see cref="_head"/>, <see cref="_queued"/>,
/// <see cref="_lengths"/>, <see cref="_completing"/> and <see cref="_drainWaiter"/> are guarded by <see cref="_lock"/>;
/// <see cref="_current"/> and <see cref="_used"/> belong to the producer alone, <see cref="_fileOffset"/> to the disk thread alone.
/// </para>
/// <para>
/// A failed disk write is stored in <see cref="_error"/>; the disk thread then discards every later buffer (so the producer
/// never waits forever) and the producer raises an <see cref="IOException"/> at its next write, flush or dispose.
/// </para>
/// <para>
/// Direct I/O (<see cref="DirectIo"/>): every buffer starts on a <see cref="DirectIo.Alignment"/> boundary, so while the
/// file offset and each buffer's length stay multiples of it, the disk thread writes with <c>O_DIRECT</c>. The first
/// write that is not aligned (in practice the last, partly filled buffer at a flush) turns direct I/O off for good and
/// goes through the page cache, as does everything when the file system refuses direct writes.
/// <see cref="_direct"/> belongs to the disk thread once it has started.
/// </para>
/// <para>Single producer: the methods other than the disk thread's loop must not be called concurrently.</para>
/// </remarks>
internal sealed class BufferedFileSink
{
    private readonly SafeFileHandle _file;
    private readonly string _path;
    private readonly byte[][] _buffers;
    private readonly int[] _starts;
    private readonly int[] _lengths;
    private readonly int _bufferSize;
    private readonly object _lock = new();
    private readonly Thread _diskThread;

    private int _head;
    private int _queued;
    private bool _completing;
    private TaskCompletionSource? _drainWaiter;

    // Written by the disk thread under _lock; read by the producer without it (Volatile.Read pairs with the write in WriteLoop).
    private Exception? _error;

    private int _fillIndex;
    private byte[]? _current;
    private int _currentStart;
    private int _used;

    private long _fileOffset;
    private bool _direct;

    public BufferedFileSink(SafeFileHandle file, string path, int bufferSize, int bufferCount, bool directIo)
    {
        Debug.Assert(bufferCount >= 2 && bufferSize >= 4096, "Options were validated by CaptureFileWriter.Create.");
        _file = file;
        _path = path;
        _bufferSize = bufferSize;
        _buffers = new byte[bufferCount][];
        _starts = new int[bufferCount];
        for (int i = 0; i < bufferCount; i++)
        {
            // Pinned: the kernel copies out of (or DMAs from) these on every write, and they live as long as the file.
            // One alignment unit more than needed, so that the usable part can start on an aligned address.
            _buffers[i] = GC.AllocateUninitializedArray<byte>(bufferSize + DirectIo.Alignment, pinned: true);
            _starts[i] = AlignedStart(_buffers[i]);
        }

        _lengths = new int[bufferCount];
        _direct = directIo && DirectIo.TryEnable(file);
        _current = _buffers[0];
        _currentStart = _starts[0];
        _diskThread = new Thread(WriteLoop) { IsBackground = true, Name = "Capture file writer" };
        _diskThread.Start();
    }

    /// <summary>Whether the disk thread is still writing directly (for tests; read it after a flush).</summary>
    internal bool DirectIoActive => Volatile.Read(ref _direct);

    /// <summary>Bytes accepted so far (written or still buffered).</summary>
    public long BytesAccepted { get; private set; }

    /// <summary>
    /// Returns <paramref name="length"/> contiguous bytes of buffer to write into, followed by <see cref="Advance"/>; false
    /// when they do not fit in what is left of the current buffer (then use <see cref="Write"/>, which fills the buffer to
    /// its end and spills into the next). Buffers are therefore always handed to the disk thread full, which keeps the
    /// file offset aligned for direct I/O.
    /// </summary>
    public bool TryGetSpan(int length, out Span<byte> span)
    {
        byte[] current = _current ?? AcquireBuffer();
        if (_bufferSize - _used >= length)
        {
            span = current.AsSpan(_currentStart + _used, length);
            return true;
        }

        span = default;
        return false;
    }

    /// <summary>Commits <paramref name="count"/> bytes of the span <see cref="TryGetSpan"/> returned.</summary>
    public void Advance(int count)
    {
        _used += count;
        BytesAccepted += count;
    }

    /// <summary>Appends <paramref name="source"/>, spilling across as many buffers as it needs.</summary>
    public void Write(ReadOnlySpan<byte> source)
    {
        BytesAccepted += source.Length;
        while (true)
        {
            byte[] current = _current ?? AcquireBuffer();
            Span<byte> free = current.AsSpan(_currentStart + _used, _bufferSize - _used);
            if (source.Length < free.Length)
            {
                source.CopyTo(free);
                _used += source.Length;
                return;
            }

            source[..free.Length].CopyTo(free);
            _used = _bufferSize;
            source = source[free.Length..];
            Submit();
            if (source.IsEmpty)
            {
                return;
            }
        }
    }

    /// <summary>Throws the <see cref="IOException"/> for a failed background write, if there was one.</summary>
    public void ThrowIfFaulted()
    {
        Exception? error = Volatile.Read(ref _error);
        if (error is not null)
        {
            ThrowFaulted(error);
        }
    }

    /// <summary>Hands the partly filled buffer to the disk thread and blocks until everything accepted so far is written.</summary>
    public void Flush()
    {
        SubmitPartial();
        lock (_lock)
        {
            while (_queued > 0)
            {
                Monitor.Wait(_lock);
            }
        }

        ThrowIfFaulted();
    }

    /// <summary>As <see cref="Flush"/>, without blocking the calling thread while the disk catches up.</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        SubmitPartial();
        Task? drained = null;
        lock (_lock)
        {
            if (_queued > 0)
            {
                _drainWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                drained = _drainWaiter.Task;
            }
        }

        if (drained is not null)
        {
            await drained.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        ThrowIfFaulted();
    }

    /// <summary>Stops the disk thread once its queue is empty and closes the file. Call after a flush; idempotent.</summary>
    public void Close()
    {
        lock (_lock)
        {
            _completing = true;
            Monitor.PulseAll(_lock);
        }

        _diskThread.Join();
        _file.Dispose();
    }

    private void SubmitPartial()
    {
        if (_current is not null && _used > 0)
        {
            Submit();
        }
    }

    /// <summary>Queues the current buffer for the disk thread; the producer has none until <see cref="AcquireBuffer"/>.</summary>
    private void Submit()
    {
        Debug.Assert(_current is not null, "Only the producer's own buffer can be submitted.");
        lock (_lock)
        {
            _lengths[_fillIndex] = _used;
            _queued++;
            Monitor.PulseAll(_lock);
        }

        _fillIndex = (_fillIndex + 1) % _buffers.Length;
        _current = null;
        _used = 0;
        ThrowIfFaulted();
    }

    /// <summary>Takes the next buffer of the ring, waiting while every buffer is queued for the disk (the backpressure point).</summary>
    private byte[] AcquireBuffer()
    {
        lock (_lock)
        {
            while (_queued == _buffers.Length)
            {
                Monitor.Wait(_lock);
            }
        }

        ThrowIfFaulted();
        _current = _buffers[_fillIndex];
        _currentStart = _starts[_fillIndex];
        _used = 0;
        return _current;
    }

    private void WriteLoop()
    {
        while (true)
        {
            int index;
            lock (_lock)
            {
                while (_queued == 0 && !_completing)
                {
                    Monitor.Wait(_lock);
                }

                if (_queued == 0)
                {
                    return;
                }

                index = _head;
            }

            // Outside the lock: the producer keeps filling its own buffer while the kernel copies this one.
            if (_error is null)
            {
                try
                {
                    WriteToFile(_buffers[index].AsSpan(_starts[index], _lengths[index]));
                    _fileOffset += _lengths[index];
                }
                catch (Exception ex)
                {
                    // Pairs with Volatile.Read in ThrowIfFaulted: the producer sees the error no later than the freed buffer.
                    Volatile.Write(ref _error, ex);
                }
            }

            TaskCompletionSource? drained = null;
            lock (_lock)
            {
                _head = (_head + 1) % _buffers.Length;
                _queued--;
                if (_queued == 0)
                {
                    drained = _drainWaiter;
                    _drainWaiter = null;
                }

                Monitor.PulseAll(_lock);
            }

            drained?.TrySetResult();
        }
    }

    /// <summary>Writes one buffer at <see cref="_fileOffset"/>: directly while everything is aligned, else through the page cache.</summary>
    private void WriteToFile(ReadOnlySpan<byte> data)
    {
        if (_direct && ((_fileOffset | (long)data.Length) & (DirectIo.Alignment - 1)) != 0)
        {
            // From here on the file offset is unaligned, so no later write could be direct either.
            DirectIo.TryDisable(_file);
            _direct = false;
        }

        if (_direct)
        {
            try
            {
                RandomAccess.Write(_file, data, _fileOffset);
                return;
            }
            catch (IOException)
            {
                // The file system took the flag but refuses the write (EINVAL): retry the same bytes buffered; a real
                // disk error repeats there and is reported.
                DirectIo.TryDisable(_file);
                _direct = false;
            }
        }

        RandomAccess.Write(_file, data, _fileOffset);
    }

    private static unsafe int AlignedStart(byte[] pinned)
    {
        fixed (byte* first = pinned)
        {
            int misalignment = (int)((nuint)first & (DirectIo.Alignment - 1));
            return misalignment == 0 ? 0 : DirectIo.Alignment - misalignment;
        }
    }

    private void ThrowFaulted(Exception error) =>
        throw new IOException($"Writing the capture file '{_path}' failed: {error.Message}", error);
}
