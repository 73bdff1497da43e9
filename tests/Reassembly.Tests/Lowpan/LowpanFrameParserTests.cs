using Reassembly.Lowpan;
using Reassembly.Parsing;
using static Reassembly.Tests.Lowpan.LowpanFrames;

namespace Reassembly.Tests.Lowpan;

public sealed class LowpanFrameParserTests
{
    private static readonly Address Source = Address.Short(0x0001);
    private static readonly Address Destination = Address.Short(0x0002);

    // Mesh (short originator 0x0003, short final 0x0004, 5 hops), broadcast (sequence 7), FRAG1 (size 200, tag 0x0102), IPHC.
    private static readonly byte[] Headers = [0xB5, 0x00, 0x03, 0x00, 0x04, 0x50, 0x07, 0xC0, 0xC8, 0x01, 0x02, 0x7B, 0x33, 0xF0, 0x9C, 0x41, 0x9C, 0x40];

    [Fact]
    public void Classify_reports_every_truncation_inside_the_headers_as_malformed_without_throwing()
    {
        byte[] frame = Mac(Headers, Source, Destination);
        int iphcAt = frame.Length - Headers.Length + 11;

        for (int length = 0; length <= frame.Length; length++)
        {
            PacketKind kind = LowpanFrameParser.Classify(frame.AsSpan(0, length), LinkType.Ieee802154NoFcs, out FragmentDescriptor fragment);
            if (length <= 9)
            {
                // Up to the end of the MAC header nothing 6LoWPAN is there yet: a truncated header, or a data frame without payload.
                Assert.True(kind is PacketKind.Malformed or PacketKind.LowpanNotIp, $"cut at {length}: {kind}");
            }
            else if (length <= iphcAt)
            {
                Assert.True(kind == PacketKind.Malformed, $"cut at {length}: {kind}");
            }
            else
            {
                // The dispatch is there; the rest is for the decompressor, which checks lengths itself.
                Assert.Equal(PacketKind.Fragment, kind);
                Assert.Equal(iphcAt, fragment.DataOffset);
                Assert.Equal(length - iphcAt, fragment.DataLength);
            }
        }
    }

    [Fact]
    public void Classify_keys_a_fragment_behind_a_mesh_header_on_the_originator_and_final_addresses()
    {
        LowpanFrameParser.Classify(Mac(Headers, Source, Destination), LinkType.Ieee802154NoFcs, out FragmentDescriptor first);
        byte[] next = Mac(FragN(200, 0x0102, 104, Payload(8, 1)), Address.Short(0x0003), Address.Short(0x0004));
        LowpanFrameParser.Classify(next, LinkType.Ieee802154NoFcs, out FragmentDescriptor subsequent);
        byte[] other = Mac(FragN(200, 0x0102, 104, Payload(8, 1)), Source, Destination);
        LowpanFrameParser.Classify(other, LinkType.Ieee802154NoFcs, out FragmentDescriptor direct);

        Assert.Equal(first.Key, subsequent.Key);
        Assert.NotEqual(first.Key, direct.Key);
        Assert.Equal(IpFamily.Lowpan, first.Key.Family);
        Assert.Equal(200, first.Key.LowpanDatagramSize);
        Assert.Equal(0x0102u, first.Key.Identification);
        Assert.Equal(LowpanDispatch.Frag1, first.LowpanDispatch);
        Assert.Equal(LowpanDispatch.FragN, subsequent.LowpanDispatch);
        Assert.Equal(104, subsequent.FragmentOffset);
    }

    [Fact]
    public void Classify_tells_an_fcs_error_from_a_good_frame()
    {
        byte[] frame = Mac(Headers, Source, Destination, fcs: true);
        Assert.Equal(PacketKind.Fragment, LowpanFrameParser.Classify(frame, LinkType.Ieee802154WithFcs, out _));

        frame[12] ^= 0x40;

        Assert.Equal(PacketKind.Malformed, LowpanFrameParser.Classify(frame, LinkType.Ieee802154WithFcs, out _));
    }
}
