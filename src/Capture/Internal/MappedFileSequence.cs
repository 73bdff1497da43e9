using System;
using System.Buffers;
using System.IO;
using System.IO.MemoryMappedFiles;
using Microsoft.Win32.SafeHandles;

namespace Reassembly.Capture.Internal;

/// <summary>
/// A whole file mapped read-only into memory and presented as one <see cref="ReadOnlySequence{T}"/>, so that the
/// parser hands out records as spans straight into the mapping: no read system call copies the file into a buffer,
/// and a record stays where it is until the mapping is disposed.
/// </summary>
/// <remarks>
/// <para>The sequence is made of chunks of at most <see cref="DefaultChunkLength"/> bytes because a span's length is an
/// <see cref="int"/>; only a record that straddles two chunks (one per GiB of file) is copied, by the reader's scratch
/// path, like any record that straddles pipe segments.</para>
/// <para>Invariant: the mapping stays valid from construction until <see cref="Dispose"/>, and its length is the file's
/// length when it was opened. A file truncated by another process while mapped makes the next access to the missing
/// pages fault (SIGBUS), which is why mapping is opt-in (<see cref="CaptureReaderOptions.MemoryMap"/>): for finished
/// captures, not for files that a capture tool may rotate underneath.</para>
/// </remarks>
internal sealed unsafe partial class MappedFileSequence : IDisposable
{
    /// <summary>
    /// How much of the mapping behind the parser stays mapped by default. Dropping pages behind it keeps the process's resident
    /// size bounded however large the file is (the pages stay in the page cache; only our mapping of them goes). It is
    /// a hint and never a correctness matter: a consumer that still reads a dropped page, say a replay worker far
    /// behind, faults it back in from the file with the same bytes. 8 MiB is twice what a parallel replay keeps in
    /// flight (its ring of segments), and holds the mapping's share of the resident size to at most 16 MiB.
    /// </summary>
    internal const long DefaultResidentWindow = 8L * 1024 * 1024;

    private const int MadviseSequential = 2;
    private const int MadviseDontNeed = 4;

    /// <summary>The largest chunk, a power of two so that chunks of a large file line up on page boundaries.</summary>
    internal const int DefaultChunkLength = 1 << 30;

    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _start;
    private readonly byte* _pagesStart;
    private readonly long _residentWindow;
    private long _released;
    private long _nextRelease;
    private bool _disposed;

    private MappedFileSequence(MemoryMappedFile file, MemoryMappedViewAccessor view, byte* start, long length, long residentWindow, int chunkLength)
    {
        _residentWindow = residentWindow;
        _nextRelease = 2 * residentWindow;
        _file = file;
        _view = view;
        _start = start;
        _pagesStart = start - ((nint)start & (Environment.SystemPageSize - 1));
        Length = length;
        Sequence = BuildSequence(start, length, chunkLength);
        if (OperatingSystem.IsLinux())
        {
            // Read ahead aggressively: the parser walks the file once, front to back. Only a hint, so its result is ignored.
            _ = Madvise(_pagesStart, (nuint)(length + (start - _pagesStart)), MadviseSequential);
        }
    }

    /// <summary>The file's bytes.</summary>
    public ReadOnlySequence<byte> Sequence { get; }

    /// <summary>The file's length when it was mapped.</summary>
    public long Length { get; }

    /// <summary>Bytes at the front of the mapping dropped so far (see <see cref="ParsedUpTo"/>).</summary>
    public long ReleasedBytes => _released;

    /// <summary>
    /// Maps <paramref name="handle"/>'s file, or returns null when it cannot be mapped (an empty file, a pipe or
    /// character device, a file system without mmap): the caller then reads it the ordinary way.
    /// </summary>
    /// <param name="handle">The open file.</param>
    /// <param name="residentWindow">How much of the mapping behind the parser stays mapped (tests use less).</param>
    /// <param name="chunkLength">The sequence's chunk length (tests use small ones to make records straddle chunks).</param>
    public static MappedFileSequence? TryMap(SafeFileHandle handle, long residentWindow = DefaultResidentWindow, int chunkLength = DefaultChunkLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkLength, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(residentWindow, Environment.SystemPageSize);
        long length;
        try
        {
            length = RandomAccess.GetLength(handle);
        }
        catch (IOException)
        {
            return null;
        }
        catch (NotSupportedException)
        {
            return null;
        }

        if (length <= 0)
        {
            return null;
        }

        MemoryMappedFile? file = null;
        MemoryMappedViewAccessor? view = null;
        try
        {
            file = MemoryMappedFile.CreateFromFile(handle, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
            view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            return new MappedFileSequence(file, view, pointer + view.PointerOffset, length, residentWindow, chunkLength);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            view?.Dispose();
            file?.Dispose();
            return null;
        }
    }

    /// <summary>Whether <paramref name="bytes"/> lie inside the mapping (and so stay valid until it is disposed).</summary>
    public bool Contains(ReadOnlySpan<byte> bytes)
    {
        fixed (byte* pointer = bytes)
        {
            // Unsigned, so that an address below the mapping wraps to a huge offset and fails the test.
            ulong offset = (ulong)(pointer - _start);
            return bytes.Length > 0 && offset < (ulong)Length && (ulong)bytes.Length <= (ulong)Length - offset;
        }
    }

    /// <summary>
    /// Called as the parser reaches <paramref name="position"/>: drops the mapping's pages more than
    /// the resident window behind it, a window at a time (so the per-record cost is one compare).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public void ParsedUpTo(long position)
    {
        if (position >= _nextRelease)
        {
            ReleaseBehind(position);
        }
    }

    private void ReleaseBehind(long position)
    {
        long end = position - _residentWindow;
        end -= (end + (_start - _pagesStart)) & (Environment.SystemPageSize - 1);
        if (OperatingSystem.IsLinux() && end > _released)
        {
            byte* from = _released == 0 ? _pagesStart : _start + _released;
            _ = Madvise(from, (nuint)(_start + end - from), MadviseDontNeed);
            _released = end;
        }

        _nextRelease = position + _residentWindow;
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(byte* address, nuint length, int advice);

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }

    private static ReadOnlySequence<byte> BuildSequence(byte* start, long length, int chunkLength)
    {
        var first = new Chunk(new UnmanagedChunk(start, (int)Math.Min(length, chunkLength)).Memory, 0);
        Chunk last = first;
        for (long offset = chunkLength; offset < length; offset += chunkLength)
        {
            var next = new Chunk(new UnmanagedChunk(start + offset, (int)Math.Min(length - offset, chunkLength)).Memory, offset);
            last.SetNext(next);
            last = next;
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>One chunk's place in the sequence.</summary>
    private sealed class Chunk : ReadOnlySequenceSegment<byte>
    {
        public Chunk(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(Chunk next) => Next = next;
    }

    /// <summary>Exposes one chunk of the mapping as <see cref="Memory{T}"/>; the mapping, not this object, owns the bytes.</summary>
    private sealed class UnmanagedChunk(byte* start, int length) : MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => new(start, length);

        public override MemoryHandle Pin(int elementIndex = 0) => new(start + elementIndex);

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }
}
