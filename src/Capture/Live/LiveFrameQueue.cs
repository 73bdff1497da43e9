using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace Reassembly.Capture.Live;

/// <summary>
/// The bounded hand-off between the capture threads (one per interface) and the single consumer that reassembles: a
/// fixed set of <see cref="LiveFrame"/> slots that travel from a free channel to a filled one and back.
/// </summary>
/// <remarks>
/// <para>Why: libpcap's buffer is valid only until the next read, and an exception must never cross the native read, so
/// each frame is copied into a slot at once and queued (as QuicListener queues its accepts). When no slot is free the
/// frame is dropped and counted instead of stalling the capture thread, whose stall would make the kernel drop
/// frames unseen.</para>
/// <para>Invariants: every slot is in exactly one place: the free channel, the filled channel, a producer between
/// taking and queueing it, or the consumer between <see cref="TryTake"/> and <see cref="Return"/>. So the filled channel
/// never holds more than the capacity and its writes never fail. Allocation-free once every slot's buffer has grown to
/// the frame sizes seen.</para>
/// </remarks>
public sealed class LiveFrameQueue
{
    private readonly Channel<LiveFrame> _free;
    private readonly Channel<LiveFrame> _filled;

    /// <summary>Creates a queue of <paramref name="capacity"/> slots.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is below 1.</exception>
    public LiveFrameQueue(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        // Slots come back from the consumer or from the workers it hands frames to: several writers.
        _free = Channel.CreateBounded<LiveFrame>(new BoundedChannelOptions(capacity) { SingleReader = false, SingleWriter = false });
        _filled = Channel.CreateBounded<LiveFrame>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = false });
        for (int i = 0; i < capacity; i++)
        {
            _free.Writer.TryWrite(new LiveFrame());
        }
    }

    /// <summary>Producer side: copies a frame into a free slot and queues it; false (the frame is dropped) when none is free.</summary>
    internal bool TryEnqueue(ReadOnlySpan<byte> data, int originalLength, long timestampNanoseconds, int interfaceId, LinkType linkType)
    {
        if (!_free.Reader.TryRead(out LiveFrame? slot))
        {
            return false;
        }

        slot.Fill(data, originalLength, timestampNanoseconds, interfaceId, linkType);
        bool queued = _filled.Writer.TryWrite(slot);
        if (!queued)
        {
            // Only after Complete: the frame arrived as the capture stopped; the slot goes back.
            _free.Writer.TryWrite(slot);
        }

        return queued;
    }

    /// <summary>Consumer side: the oldest waiting frame, if any. Give it back with <see cref="Return"/> once read.</summary>
    public bool TryTake([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out LiveFrame? frame) => _filled.Reader.TryRead(out frame);

    /// <summary>Consumer side (any thread): hands a frame's slot back for reuse.</summary>
    public void Return(LiveFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        _free.Writer.TryWrite(frame);
    }

    /// <summary>
    /// Consumer side: waits until a frame is waiting (true) or the queue is completed and empty (false), or until
    /// <paramref name="cancellationToken"/> is cancelled (throws <see cref="OperationCanceledException"/>).
    /// </summary>
    public ValueTask<bool> WaitAsync(CancellationToken cancellationToken) => _filled.Reader.WaitToReadAsync(cancellationToken);

    /// <summary>No more frames will be queued: the consumer drains what is left, then <see cref="WaitAsync"/> returns false.</summary>
    internal void Complete() => _filled.Writer.TryComplete();
}
