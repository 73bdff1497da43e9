using System.Runtime.CompilerServices;
using Reassembly.Parsing;

namespace Reassembly;

/// <summary>
/// One worker of a multi-threaded <see cref="Reassembler"/> (<see cref="ReassemblyOptions.Workers"/> &gt; 1), to be
/// driven by one thread at a time, with the frames that steer to it.
/// </summary>
/// <remarks>
/// <para>How to drive several lanes: on one dispatching thread, in input order, call
/// <see cref="Reassembler.Classify"/> for each frame, keep the largest timestamp so far as the frame's clock, and queue
/// the frame (its bytes, the classification, its timestamp and the clock) to lane
/// <see cref="Reassembler.LaneFor"/>; each lane's thread then calls <see cref="Process"/> for its frames in the order
/// queued, and <see cref="AdvanceClock"/> now and then so that its queues expire when it is given little traffic.
/// Every fragment of a datagram steers to the same lane, so what is reassembled is the same as with one thread,
/// whatever the scheduling. <see cref="Reassembler.ReassembleAsync"/> does all of this for you.</para>
/// <para>Two lanes may run at once; one lane must never run on two threads at once. Results and datagrams may be
/// disposed on any thread.</para>
/// </remarks>
public sealed class ReassemblerLane
{
    private readonly ReassemblyWorker _worker;

    internal ReassemblerLane(ReassemblyWorker worker)
    {
        _worker = worker;
    }

    /// <summary>The lane's position, from 0 to <see cref="Reassembler.LaneCount"/> - 1.</summary>
    public int Index => _worker.Index;

    /// <summary>
    /// Processes one classified frame. Never throws on bad input. Allocates nothing once warm.
    /// </summary>
    /// <param name="frame">The frame's bytes, as classified (the same bytes or a copy). Read during the call only.</param>
    /// <param name="classified">What <see cref="Reassembler.Classify"/> returned for these bytes.</param>
    /// <param name="timestampNanoseconds">The frame's capture time, in nanoseconds since the Unix epoch.</param>
    /// <param name="clockNanoseconds">
    /// The largest timestamp of any frame up to and including this one, in input order over all lanes; it must never
    /// go back for one lane. Queues whose deadline it has reached expire first.
    /// </param>
    /// <returns>The outcome; dispose it (see <see cref="ReassemblyResult"/>).</returns>
    public ReassemblyResult Process(ReadOnlySpan<byte> frame, in ClassifiedFrame classified, long timestampNanoseconds, long clockNanoseconds)
    {
        FrameResult result = _worker.Process(frame, in classified, timestampNanoseconds, clockNanoseconds);
        return ToResult(result, in classified);
    }

    /// <summary>
    /// Moves the lane's clock on without a frame, expiring the queues whose deadline <paramref name="clockNanoseconds"/>
    /// has reached. A smaller value than the lane has seen is ignored.
    /// </summary>
    /// <param name="clockNanoseconds">The largest timestamp in the input so far.</param>
    public void AdvanceClock(long clockNanoseconds) => _worker.AdvanceClock(clockNanoseconds);

    /// <summary>Maps the engine's disposition to the API's status; <see cref="ReassemblyStatus.Malformed"/> comes from the classification.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ReassemblyResult ToResult(in FrameResult result, in ClassifiedFrame classified)
    {
        ReassemblyStatus status = result.Disposition switch
        {
            FrameDisposition.Held => ReassemblyStatus.Held,
            FrameDisposition.Reassembled => ReassemblyStatus.Reassembled,
            FrameDisposition.Dropped => ReassemblyStatus.Dropped,
            _ => IsMalformed(in classified) ? ReassemblyStatus.Malformed : ReassemblyStatus.PassedThrough,
        };
        return new ReassemblyResult(status, result.Datagram);
    }

    // A link error, or an IP packet the worker counted as Malformed (an oversize fragment is counted there too).
    private static bool IsMalformed(in ClassifiedFrame classified) =>
        classified.Class == FrameClass.LinkError
        || (classified.Class is FrameClass.Ipv4 or FrameClass.Ipv6 && classified.Kind is PacketKind.Malformed or PacketKind.OversizeFragment);
}
