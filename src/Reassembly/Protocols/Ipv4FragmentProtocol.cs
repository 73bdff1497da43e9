using System.Buffers.Binary;
using Reassembly.Core;
using Reassembly.Parsing;

namespace Reassembly.Protocols;

/// <summary>IPv4 (RFC 791/815): the first fragment's header, options included, with lengths and flags fixed.</summary>
internal sealed class Ipv4FragmentProtocol : FragmentProtocol
{
    public static readonly Ipv4FragmentProtocol Instance = new();

    public override IpFamily Family => IpFamily.Ipv4;

    public override bool IsOversize(int networkHeaderLength, int payloadLength) =>
        networkHeaderLength + payloadLength > Ipv4Header.MaximumDatagramLength;

    public override void FinishDatagram(Span<byte> frame, FragmentQueue queue)
    {
        Span<byte> networkHeader = frame.Slice(queue.LinkHeaderLength, queue.NetworkHeaderLength);
        int payloadLength = queue.Length;
        BinaryPrimitives.WriteUInt16BigEndian(networkHeader.Slice(Ipv4Header.TotalLength), (ushort)(networkHeader.Length + payloadLength));

        // MF and the offset go; DF and the reserved bit stay as the first fragment had them.
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(networkHeader.Slice(Ipv4Header.FlagsAndFragmentOffset));
        BinaryPrimitives.WriteUInt16BigEndian(networkHeader.Slice(Ipv4Header.FlagsAndFragmentOffset), (ushort)(flags & Ipv4Header.PreservedFlagsMask));
        BinaryPrimitives.WriteUInt16BigEndian(networkHeader.Slice(Ipv4Header.HeaderChecksum), 0);
        BinaryPrimitives.WriteUInt16BigEndian(networkHeader.Slice(Ipv4Header.HeaderChecksum), InternetChecksum.Compute(networkHeader));
    }
}
