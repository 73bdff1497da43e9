using Reassembly.Core;

namespace Reassembly.Protocols;

/// <summary>
/// What differs between families once a datagram is whole (Linux's per-protocol <c>*_frag_reasm</c>): the size limit
/// and the header fix-up. Everything before that (queues, runs, expiry) is shared in Core.
/// </summary>
internal abstract class FragmentProtocol
{
    public abstract IpFamily Family { get; }

    /// <summary>True when a datagram with this header and fragmentable length would not fit its length field.</summary>
    public abstract bool IsOversize(int networkHeaderLength, int payloadLength);

    /// <summary>
    /// Makes a whole datagram of the reassembled <paramref name="frame"/> (link-layer header, network header and
    /// payload, as <see cref="FragmentQueue.DetachCompletedFrame"/> laid it out): lengths, flags and checksums.
    /// </summary>
    public abstract void FinishDatagram(Span<byte> frame, FragmentQueue queue);
}
