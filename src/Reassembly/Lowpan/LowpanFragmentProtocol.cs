using Reassembly.Core;
using Reassembly.Protocols;

namespace Reassembly.Lowpan;

/// <summary>
/// 6LoWPAN's finishing rules: the queue holds the whole uncompressed IPv6 packet as its "payload" (offset 0 is the
/// IPv6 header that FRAG1's decompression produced), so there is no stored header to fix; the UDP checksum, when it
/// was elided, is filled in by the worker over the finished packet.
/// </summary>
internal sealed class LowpanFragmentProtocol : FragmentProtocol
{
    public static readonly LowpanFragmentProtocol Instance = new();

    /// <summary>The datagrams are IPv6 packets.</summary>
    public override IpFamily Family => IpFamily.Ipv6;

    /// <summary>datagram_size (at most <see cref="LowpanDispatch.MaximumDatagramSize"/>) bounds every datagram before it is queued.</summary>
    public override bool IsOversize(int networkHeaderLength, int payloadLength) => payloadLength > LowpanDispatch.MaximumDatagramSize;

    public override void FinishHeader(Span<byte> networkHeader, int payloadLength, FragmentQueue queue)
    {
    }
}
