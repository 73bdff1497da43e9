using System.Diagnostics;
using Reassembly.Concurrency;
using Reassembly.Peers;
using Reassembly.Memory;
using Reassembly.Parsing;
using Reassembly.Timers;

namespace Reassembly.Core;

/// <summary>
/// One datagram under reassembly (Linux's <c>inet_frag_queue</c>). Fragment data is copied into a pooled buffer at
/// its final position as it arrives, so completing the datagram costs a header fix-up and no further copy.
/// </summary>
/// <remarks>
/// <para>Buffer layout: <c>[unused][link header][IP header][payload: fragmentable part, offset 0 at _payloadStart]</c>.
/// The headers are those of the offset-0 fragment (under a target policy, of the one whose data the datagram keeps at
/// offset 0), stored when it arrives, so that the finished frame is contiguous.</para>
/// <para>Bookkeeping: under <see cref="OverlapPolicy.LinuxModern"/> Linux's runs (<see cref="FragmentRunList"/>)
/// decide, and the arrival log (<see cref="FragmentArrivalLog"/>) only records which frame each byte came from;
/// under a target policy the pieces alone decide, byte by byte, which fragment's data the buffer keeps.</para>
/// <para>Invariants: <see cref="Received"/> is the sum of the run (or segment) lengths and never exceeds <see cref="Length"/>;
/// once <see cref="FragmentQueueFlags.LastIn"/> is set, <see cref="Length"/> is final and no run ends past it; the
/// buffer, when present, covers every run. A queue belongs to exactly one directory, and only that directory's owner
/// touches it (the worker that handles its key).</para>
/// <para>Queue objects are recycled by their worker's <see cref="FragmentQueuePool"/>, after an epoch grace period:
/// the namespace's shared <see cref="RhashTable{TKey, TEntry}"/> links them intrusively (the base class), and other
/// workers' lock-free lookups may walk through a removed queue until the grace period ends. The timer and expiry links
/// below belong to the owning worker (its <see cref="Timers.TimerWheel{TOwner}"/> and <see cref="ExpiryList"/>s).</para>
/// </remarks>
internal sealed partial class FragmentQueue : RhashEntry<FragmentKey>
{
    /// <summary>
    /// Payload capacity given to a queue whose total length is not yet known: covers the common datagrams
    /// (NFS, DNS, tunnels at 1500 MTU) without a regrow, at 8 KiB per incomplete queue.
    /// </summary>
    private const int DefaultPayloadCapacity = 8192;

    private FragmentRunList _runs = new(4);
    private HeldSegmentList _segments = new(4);
    private FragmentArrivalLog _arrivals = new(4);
    private byte[]? _buffer;
    private int _payloadStart;
    private int _length;
    private int _received;

    public long DeadlineNanoseconds;

    private TimerWheelEntry<FragmentQueue>? _timer;

    /// <summary>The worker's arm counter when the timer was last armed: breaks deadline ties in arm order.</summary>
    public long TimerSequence;

    /// <summary>True while the timer has fired and the queue waits in an <see cref="ExpiryList"/> to expire.</summary>
    public bool AwaitingExpiry;

    /// <summary>
    /// The queue's timer in its worker's wheel: created with the queue's first datagram and kept for the object's life
    /// (queues are pooled), so re-arming it allocates nothing.
    /// </summary>
    public TimerWheelEntry<FragmentQueue> Timer => _timer ??= new TimerWheelEntry<FragmentQueue>(this);

    /// <summary>The worker's clock when the queue last received a fragment (its peer's "last used" on release).</summary>
    public long LastArrivalNanoseconds;

    /// <summary>The source's entry in the peer table (IPv4 with an IP-ID distance limit), held while the queue lives.</summary>
    public Peer? Peer;

    /// <summary>The peer's fragment counter when this queue last got a fragment (Linux's <c>ipq.rid</c>).</summary>
    public int PeerSequence;

    /// <summary>The input position of the fragment that created the queue (anomaly events name it).</summary>
    public long CreatedFrameIndex;

    /// <summary>The directory (namespace and family) the queue is in while it lives; null once removed.</summary>
    public FragmentQueueDirectory? Directory;

    public FragmentQueueFlags Flags;
    public int FragmentCount;

    /// <summary>Chosen by the engine when the queue's first fragment arrives, fixed for the queue's life (as Suricata's tracker policy).</summary>
    public OverlapPolicy Policy;

    /// <summary>True once the engine has chosen <see cref="Policy"/>.</summary>
    public bool HasPolicy;

    /// <summary>IPv6: length of the first-arrived fragment's unfragmentable part, or -1 before any fragment arrived.</summary>
    public int UnfragmentableLength;

    /// <summary>IPv6: a keyed hash of that unfragmentable part, to tell later fragments whose headers differ.</summary>
    public int UnfragmentableHash;

    /// <summary>Told of every removal; see <see cref="ReleaseBuffer"/>.</summary>
    public IFragmentQueueObserver? Observer;

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

    public void Initialize(in FragmentKey key, long deadlineNanoseconds, FragmentQueueDirectory directory)
    {
        Key = key;
        Directory = directory;
        Peer = null;
        PeerSequence = 0;
        DeadlineNanoseconds = deadlineNanoseconds;
        AwaitingExpiry = false;
        Flags = FragmentQueueFlags.None;
        FragmentCount = 0;
        _runs.Clear();
        _segments.Clear();
        _arrivals.Clear();
        Policy = OverlapPolicy.LinuxModern;
        HasPolicy = false;
        UnfragmentableLength = -1;
        UnfragmentableHash = 0;
        _length = 0;
        _received = 0;
        _payloadStart = 0;
        LinkHeaderLength = 0;
        NetworkHeaderLength = 0;
    }

    /// <summary>
    /// Adds a fragment following Linux's <c>ip_frag_queue</c>/<c>ip6_frag_queue</c>, then either
    /// <c>inet_frag_queue_insert</c> (<see cref="OverlapPolicy.LinuxModern"/>) or the queue's target policy.
    /// On any result other than <see cref="QueueInsertResult.Queued"/>, <see cref="QueueInsertResult.Complete"/> and
    /// <see cref="QueueInsertResult.Duplicate"/> the caller must kill the queue. <paramref name="overlap"/> describes
    /// the held data the fragment overlapped, if any (for anomaly events).
    /// </summary>
    public QueueInsertResult Insert(
        ReadOnlySpan<byte> frame, in FragmentDescriptor fragment, LinkType linkType, int interfaceId, DatagramBufferPool pool, long frameIndex, int maxFragments, out OverlapOutcome overlap)
    {
        int start = fragment.FragmentOffset;
        int end = fragment.FragmentEnd;
        ReadOnlySpan<byte> data = frame.Slice(fragment.DataOffset, fragment.DataLength);
        overlap = new OverlapOutcome { OverlapStart = -1, OverlapEnd = -1, OtherFrameIndex = -1 };
        if (!fragment.MoreFragments)
        {
            // A last fragment that ends before data we already hold, or a second last fragment with another end.
            if (end < _length || ((Flags & FragmentQueueFlags.LastIn) != 0 && end != _length))
            {
                // frag3's teardrop test: such a last fragment that also overlaps held data is an attack, not noise.
                if (end > start && DescribeOverlap(start, end, data, ref overlap))
                {
                    return QueueInsertResult.Teardrop;
                }

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
                return QueueInsertResult.PastEnd;
            }

            _length = end;
        }

        if (end == start)
        {
            return QueueInsertResult.ZeroLength;
        }

        if (FragmentCount >= maxFragments)
        {
            return QueueInsertResult.TooManyFragments;
        }

        int headerBytes = start == 0 ? fragment.NetworkOffset + fragment.HeaderLength : 0;
        bool takesHeaders;
        if (Policy == OverlapPolicy.LinuxModern)
        {
            RunInsertResult placed = _runs.Insert(start, end);
            if (placed != RunInsertResult.Inserted)
            {
                DescribeOverlap(start, end, data, ref overlap);
                return placed == RunInsertResult.Duplicate ? QueueInsertResult.Duplicate : QueueInsertResult.Overlap;
            }

            EnsureRoom(headerBytes, end, pool);
            data.CopyTo(_buffer.AsSpan(_payloadStart + start));
            _arrivals.Add(start, end, frameIndex);
            _received += end - start;
            takesHeaders = start == 0;
        }
        else
        {
            EnsureRoom(headerBytes, end, pool);
            overlap = _segments.Place(start, end, frameIndex, Policy, _buffer.AsSpan(_payloadStart), data);
            if (overlap.Kept == 0)
            {
                // Every byte lost to held data: the fragment changed nothing but, perhaps, the end it announced. Unlike
                // Linux (which only completes after a successful insert), a target host rebuilds as soon as it holds
                // everything, as frag3 checks completion after every fragment.
                return IsComplete ? QueueInsertResult.Complete : QueueInsertResult.Duplicate;
            }

            _received += overlap.NewlyCovered;

            // The reassembled datagram takes its headers from the fragment whose data begins it.
            takesHeaders = start == 0 && _segments[0].Start == 0 && _segments[0].FrameIndex == frameIndex;
        }

        FragmentCount++;
        if (takesHeaders)
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
        return IsComplete ? QueueInsertResult.Complete : QueueInsertResult.Queued;
    }

    private bool IsComplete => Flags == (FragmentQueueFlags.FirstIn | FragmentQueueFlags.LastIn) && _received == _length;

    /// <summary>
    /// Fills <paramref name="overlap"/> with the held bytes [<paramref name="start"/>, <paramref name="end"/>) overlaps
    /// and whether <paramref name="data"/> differs from them there; false when it overlaps nothing. Cold path: only
    /// for fragments that are about to be refused.
    /// </summary>
    private bool DescribeOverlap(int start, int end, ReadOnlySpan<byte> data, ref OverlapOutcome overlap)
    {
        // Every policy keeps per-fragment pieces (linux-modern in its arrival log), so this also names the other frame.
        if (Policy == OverlapPolicy.LinuxModern)
        {
            return DescribeOverlapWithArrivals(start, end, data, ref overlap);
        }

        for (int index = _segments.FirstEndingAfter(start); index < _segments.Count && _segments[index].Start < end; index++)
        {
            HeldSegment held = _segments[index];
            if (held.End <= start)
            {
                continue;
            }

            AddToOverlap(in held, start, end, data, ref overlap);
        }

        return overlap.OverlapStart >= 0;
    }

    /// <summary>
    /// Widens <paramref name="overlap"/> by the part of the fragment [<paramref name="start"/>, <paramref name="end"/>)
    /// (its bytes <paramref name="data"/>) that <paramref name="held"/> covers, taken in ascending order: the first such
    /// part names the frame overlapped and where the overlap starts, each one moves its end on, and any byte that differs
    /// from what is held marks the overlap as rewriting data.
    /// </summary>
    private void AddToOverlap(in HeldSegment held, int start, int end, ReadOnlySpan<byte> data, ref OverlapOutcome overlap)
    {
        int from = Math.Max(start, held.Start);
        int to = Math.Min(end, held.End);
        if (overlap.OverlapStart < 0)
        {
            overlap.OverlapStart = from;
            overlap.OtherFrameIndex = held.FrameIndex;
        }

        overlap.OverlapEnd = to;
        overlap.BytesDiffer |= !_buffer.AsSpan(_payloadStart + from, to - from).SequenceEqual(data[(from - start)..(to - start)]);
    }

    /// <summary>
    /// <see cref="DescribeOverlap"/> over the arrival log, sorted and disjoint: the overlap starts in the first entry
    /// ending after <paramref name="start"/> that the fragment reaches (whose frame it names) and ends in the last
    /// entry starting before <paramref name="end"/>. O(log n) plus the entries overlapped.
    /// </summary>
    private bool DescribeOverlapWithArrivals(int start, int end, ReadOnlySpan<byte> data, ref OverlapOutcome overlap)
    {
        if (!_arrivals.TryLocate(start, out int block, out int offset))
        {
            return false;
        }

        do
        {
            HeldSegment held = _arrivals.At(block, offset);
            if (held.Start >= end)
            {
                break;
            }

            AddToOverlap(in held, start, end, data, ref overlap);
        }
        while (_arrivals.MoveNext(ref block, ref offset));

        return overlap.OverlapStart >= 0;
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

    /// <summary>
    /// Returns the buffer, if any, to the pool (the queue is being completed, killed or expired). The directory calls
    /// this exactly once per removal, with the key still set, so it is also where <see cref="Observer"/> hears of it.
    /// </summary>
    /// <summary>
    /// Drops every fragment held but keeps the queue (key, policy, peer) for the fragment about to arrive: Linux's
    /// <c>ip_frag_reinit</c>, when the peer's IP-ID distance says the held fragments belong to an older datagram.
    /// </summary>
    public void DropFragments(DatagramBufferPool pool)
    {
        if (_buffer is not null)
        {
            pool.Return(_buffer);
            _buffer = null;
        }

        Flags = FragmentQueueFlags.None;
        FragmentCount = 0;
        _runs.Clear();
        _segments.Clear();
        _arrivals.Clear();
        _length = 0;
        _received = 0;
        _payloadStart = 0;
        LinkHeaderLength = 0;
        NetworkHeaderLength = 0;
        UnfragmentableLength = -1;
        UnfragmentableHash = 0;
    }

    public void ReleaseBuffer(DatagramBufferPool pool)
    {
        Observer?.OnRemoving(this);
        if (_buffer is not null)
        {
            pool.Return(_buffer);
            _buffer = null;
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private void EnsureRoom(int headerBytes, int end, DatagramBufferPool pool)
    {
        // Every fragment but a datagram's first fits the buffer it already has: that test inline, the rest out of line.
        byte[]? buffer = _buffer;
        if (buffer is not null && headerBytes <= _payloadStart && _payloadStart + end <= buffer.Length)
        {
            return;
        }

        MakeRoom(headerBytes, end, pool);
    }

    private void MakeRoom(int headerBytes, int end, DatagramBufferPool pool)
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

        long pieces = 0;
        for (int i = 0; i < _segments.Count; i++)
        {
            pieces += _segments[i].End - _segments[i].Start;
            Debug.Assert(_buffer is null || _payloadStart + _segments[i].End <= _buffer.Length, "The buffer covers every segment.");
        }

        for (int i = 0; i < _arrivals.Count; i++)
        {
            pieces += _arrivals[i].End - _arrivals[i].Start;
            Debug.Assert(_buffer is null || _payloadStart + _arrivals[i].End <= _buffer.Length, "The buffer covers every logged fragment.");
        }

        // Linux-modern keeps runs and its arrival log over the same bytes; target policies keep pieces alone.
        Debug.Assert(_runs.Count == 0 || sum == pieces, "Runs and pieces hold the same bytes.");
        sum = pieces;

        Debug.Assert(sum == _received, "Received is the sum of the runs.");
        Debug.Assert(_received <= _length, "Never more bytes than the datagram's length.");
    }
}
