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

    /// <summary>
    /// The queue holds the uncompressed IPv6 packet (lengths from datagram_size, written at FRAG1's decompression), so
    /// only an elided UDP checksum (RFC 6282 4.3.2) is left: FRAG1 noted where it goes in the field IPv6 uses for its
    /// Next Header offset, and it is computed over the whole datagram.
    /// </summary>
    public override void FinishDatagram(Span<byte> frame, FragmentQueue queue)
    {
        if (queue.NextHeaderFieldOffset >= 0)
        {
            NhcUdp.FillChecksum(frame);
        }
    }
}
