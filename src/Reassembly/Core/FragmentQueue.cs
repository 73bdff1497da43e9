using System.Diagnostics;
using Reassembly.Memory;
using Reassembly.Parsing;

namespace Reassembly.Core;

/// <summary>
/// One datagram under reassembly (Linux's <c>inet_frag_queue</c>). Fragment data is copied into a pooled buffer at
/// its final position as it arrives, so completing the datagram costs a header fix-up and no further copy.
/// </summary>
/// <remarks>
/// <para>Buffer layout: <c>[unused][link header][IP header][payload: fragmentable part, offset 0 at _payloadStart]</c>.
/// The headers are those of the offset-0 fragment, stored when it arrives, so that the finished frame is contiguous.</para>
/// <para>Invariants: <see cref="Received"/> is the sum of the run lengths and never exceeds <see cref="Length"/>;
/// once <see cref="FragmentQueueFlags.LastIn"/> is set, <see cref="Length"/> is final and no run ends past it; the
/// buffer, when present, covers every run. A queue belongs to exactly one directory, and only that directory's owner
/// touches it (the worker that handles its key).</para>
/// <para>Queue objects are recycled by their directory: the table and expiry links below belong to the directory.</para>
/// </remarks>
internal sealed class FragmentQueue
{
    /// <summary>
    /// Payload capacity given to a queue whose total length is not yet known: covers the common datagrams
    /// (NFS, DNS, tunnels at 1500 MTU) without a regrow, at 8 KiB per incomplete queue.
    /// </summary>
    private const int DefaultPayloadCapacity = 8192;

    private FragmentRunList _runs = new(4);
    private byte[]? _buffer;
    private int _payloadStart;
    private int _length;
    private int _received;

    // Directory-owned links: hash chain and expiry order (oldest to newest).
    public FragmentKey Key;
    public ulong Hash;
    public FragmentQueue? HashNext;
    public FragmentQueue? Older;
    public FragmentQueue? Newer;
    public long DeadlineNanoseconds;

    /// <summary>The directory (namespace and family) the queue is in while it lives; null once removed.</summary>
    public FragmentQueueDirectory? Directory;

    public FragmentQueueFlags Flags;
    public int FragmentCount;

    // Copied from the offset-0 fragment: the reassembled datagram takes its headers and its interface.
    public int LinkHeaderLength;
    public int NetworkHeaderLength;
    public int NextHeaderFieldOffset;
    public byte FragmentNextHeader;
    public LinkType FirstLinkType;
    public int FirstInterfaceId;

    /// <summary>Linux's <c>len</c>: the final length once the last fragment is in, else the furthest end seen.</summary>
    public int Length => _length;

    /// <summary>Linux's <c>meat</c>: bytes of fragmentable part held.</summary>
    public int Received => _received;

    public void Initialize(in FragmentKey key, ulong hash, long deadlineNanoseconds, FragmentQueueDirectory directory)
    {
        Key = key;
        Directory = directory;
        Hash = hash;
        DeadlineNanoseconds = deadlineNanoseconds;
        HashNext = null;
        Older = null;
        Newer = null;
        Flags = FragmentQueueFlags.None;
        FragmentCount = 0;
        _runs.Clear();
        _length = 0;
        _received = 0;
        _payloadStart = 0;
        LinkHeaderLength = 0;
        NetworkHeaderLength = 0;
    }

    /// <summary>
    /// Adds a fragment following Linux's <c>ip_frag_queue</c>/<c>ip6_frag_queue</c> then <c>inet_frag_queue_insert</c>.
    /// On any result other than <see cref="QueueInsertResult.Queued"/>, <see cref="QueueInsertResult.Complete"/> and
    /// <see cref="QueueInsertResult.Duplicate"/> the caller must kill the queue.
    /// </summary>
    public QueueInsertResult Insert(ReadOnlySpan<byte> frame, in FragmentDescriptor fragment, LinkType linkType, int interfaceId, DatagramBufferPool pool)
    {
        int start = fragment.FragmentOffset;
        int end = fragment.FragmentEnd;
        if (!fragment.MoreFragments)
        {
            // A last fragment that ends before data we already hold, or a second last fragment with another end.
            if (end < _length || ((Flags & FragmentQueueFlags.LastIn) != 0 && end != _length))
            {
                return QueueInsertResult.InconsistentEnd;
            }

            Flags |= FragmentQueueFlags.LastIn;
            _length = end;
        }
        else if (end > _length)
        {
            // Data beyond the end that the last fragment announced.
            if ((Flags & FragmentQueueFlags.LastIn) != 0)
            {
                return QueueInsertResult.InconsistentEnd;
            }

            _length = end;
        }

        if (end == start)
        {
            return QueueInsertResult.ZeroLength;
        }

        RunInsertResult placed = _runs.Insert(start, end);
        if (placed != RunInsertResult.Inserted)
        {
            return placed == RunInsertResult.Duplicate ? QueueInsertResult.Duplicate : QueueInsertResult.Overlap;
        }

        int headerBytes = start == 0 ? fragment.NetworkOffset + fragment.HeaderLength : 0;
        EnsureRoom(headerBytes, end, pool);
        frame.Slice(fragment.DataOffset, fragment.DataLength).CopyTo(_buffer.AsSpan(_payloadStart + start));
        _received += end - start;
        FragmentCount++;

        if (start == 0)
        {
            frame.Slice(0, headerBytes).CopyTo(_buffer.AsSpan(_payloadStart - headerBytes));
            LinkHeaderLength = fragment.NetworkOffset;
            NetworkHeaderLength = fragment.HeaderLength;
            NextHeaderFieldOffset = fragment.NextHeaderFieldOffset;
            FragmentNextHeader = fragment.FragmentNextHeader;
            FirstLinkType = linkType;
            FirstInterfaceId = interfaceId;
            Flags |= FragmentQueueFlags.FirstIn;
        }

        AssertInvariants();
        return Flags == (FragmentQueueFlags.FirstIn | FragmentQueueFlags.LastIn) && _received == _length
            ? QueueInsertResult.Complete
            : QueueInsertResult.Queued;
    }

    /// <summary>
    /// Hands the finished frame's buffer to the caller (who now owns it) and says where the frame lies in it.
    /// Only valid after <see cref="QueueInsertResult.Complete"/>.
    /// </summary>
    public byte[] DetachCompletedFrame(out int frameStart, out int frameLength)
    {
        Debug.Assert(_buffer is not null && Flags == (FragmentQueueFlags.FirstIn | FragmentQueueFlags.LastIn), "Only a complete queue has a frame.");
        int headers = LinkHeaderLength + NetworkHeaderLength;
        frameStart = _payloadStart - headers;
        frameLength = headers + _length;
        byte[] buffer = _buffer!;
        _buffer = null;
        return buffer;
    }

    /// <summary>Returns the buffer, if any, to the pool (the queue is being killed or expired).</summary>
    public void ReleaseBuffer(DatagramBufferPool pool)
    {
        if (_buffer is not null)
        {
            pool.Return(_buffer);
            _buffer = null;
        }
    }

    private void EnsureRoom(int headerBytes, int end, DatagramBufferPool pool)
    {
        if (_buffer is null)
        {
            _payloadStart = Math.Max(DatagramBufferPool.Headroom, AlignUp(headerBytes));
            int payloadCapacity = (Flags & FragmentQueueFlags.LastIn) != 0 ? _length : Math.Max(_length, DefaultPayloadCapacity);
            _buffer = pool.Rent(_payloadStart + payloadCapacity);
            return;
        }

        if (headerBytes <= _payloadStart && _payloadStart + end <= _buffer.Length)
        {
            return;
        }

        Relayout(Math.Max(_payloadStart, AlignUp(headerBytes)), pool);
    }

    /// <summary>Moves what is held into a larger buffer: payload past the current capacity, or headers past the headroom.</summary>
    private void Relayout(int payloadStart, DatagramBufferPool pool)
    {
        // _length already covers the fragment being added and everything held, final or not.
        int capacity = (Flags & FragmentQueueFlags.LastIn) != 0
            ? _length
            : Math.Max(_length, Math.Min(2 * _length, DatagramBufferPool.LargestPayloadCapacity));
        byte[] old = _buffer!;
        byte[] grown = pool.Rent(payloadStart + capacity);
        int held = Math.Min(old.Length - _payloadStart, capacity);
        old.AsSpan(_payloadStart, held).CopyTo(grown.AsSpan(payloadStart));
        if ((Flags & FragmentQueueFlags.FirstIn) != 0)
        {
            int headers = LinkHeaderLength + NetworkHeaderLength;
            old.AsSpan(_payloadStart - headers, headers).CopyTo(grown.AsSpan(payloadStart - headers));
        }

        pool.Return(old);
        _buffer = grown;
        _payloadStart = payloadStart;
    }

    private static int AlignUp(int value) => (value + 63) & ~63;

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        long sum = 0;
        for (int i = 0; i < _runs.Count; i++)
        {
            sum += _runs[i].End - _runs[i].Start;
            Debug.Assert(_buffer is null || _payloadStart + _runs[i].End <= _buffer.Length, "The buffer covers every run.");
        }

        Debug.Assert(sum == _received, "Received is the sum of the runs.");
        Debug.Assert(_received <= _length, "Never more bytes than the datagram's length.");
    }
}
