using System.Buffers.Binary;
using Reassembly.Core;
using Reassembly.Parsing;

namespace Reassembly.Protocols;

/// <summary>
/// IPv6 (RFC 8200 4.5): the first fragment's IPv6 header and the extension headers before its Fragment header, with
/// the Fragment header removed and the Next Header chain and Payload Length fixed.
/// </summary>
internal sealed class Ipv6FragmentProtocol : FragmentProtocol
{
    public static readonly Ipv6FragmentProtocol Instance = new();

    public override IpFamily Family => IpFamily.Ipv6;

    public override bool IsOversize(int networkHeaderLength, int payloadLength) =>
        networkHeaderLength - Ipv6Header.Length + payloadLength > Ipv6Header.MaximumPayloadLength;

    public override void FinishDatagram(Span<byte> frame, FragmentQueue queue)
    {
        Span<byte> networkHeader = frame.Slice(queue.LinkHeaderLength, queue.NetworkHeaderLength);
        int payloadLength = queue.Length;
        BinaryPrimitives.WriteUInt16BigEndian(
            networkHeader.Slice(Ipv6Header.PayloadLength),
            (ushort)(networkHeader.Length - Ipv6Header.Length + payloadLength));

        // The header that named the Fragment header now names what the Fragment header named.
        networkHeader[queue.NextHeaderFieldOffset] = queue.FragmentNextHeader;
    }
}
