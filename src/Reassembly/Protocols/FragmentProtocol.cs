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

    /// <summary>Turns the first fragment's stored header into the reassembled datagram's header.</summary>
    public abstract void FinishHeader(Span<byte> networkHeader, int payloadLength, FragmentQueue queue);
}
