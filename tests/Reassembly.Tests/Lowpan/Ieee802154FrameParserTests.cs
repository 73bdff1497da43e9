using System.Buffers.Binary;
using Reassembly.Lowpan;
using static Reassembly.Tests.Lowpan.LowpanFrames;

namespace Reassembly.Tests.Lowpan;

public sealed class Ieee802154FrameParserTests
{
    public static TheoryData<int, int> ModePairs()
    {
        var data = new TheoryData<int, int>();
        foreach (int destination in new[] { 0, 2, 3 })
        {
            foreach (int source in new[] { 0, 2, 3 })
            {
                data.Add(destination, source);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ModePairs))]
    public void Parse_reads_every_pair_of_address_modes_with_pan_id_compression_when_both_are_present(int destinationMode, int sourceMode)
    {
        var source = new Address(sourceMode, sourceMode == 3 ? 0x0011223344556677UL : 0x1234);
        var destination = new Address(destinationMode, destinationMode == 3 ? 0x8899AABBCCDDEEFFUL : 0xBEEF);
        byte[] frame = Mac([0x41, 0x60], source, destination, fcs: true, sequence: 9);

        Ieee802154Status status = Ieee802154FrameParser.Parse(frame, LinkType.Ieee802154WithFcs, out Ieee802154Header header);

        Assert.Equal(Ieee802154Status.Ok, status);
        Assert.Equal(9, header.SequenceNumber);
        Assert.Equal((Ieee802154AddressMode)sourceMode, header.Source.Mode);
        Assert.Equal((Ieee802154AddressMode)destinationMode, header.Destination.Mode);
        Assert.Equal(sourceMode == 0 ? 0UL : source.Value, header.Source.Value);
        Assert.Equal(destinationMode == 0 ? 0UL : destination.Value, header.Destination.Value);
        Assert.Equal(sourceMode == 0 ? (ushort)0 : Pan, header.Source.PanId);
        Assert.Equal(destinationMode == 0 ? (ushort)0 : Pan, header.Destination.PanId);
        Assert.Equal(2, header.PayloadLength);
        Assert.Equal(0x41, frame[header.PayloadOffset]);
    }

    [Fact]
    public void Parse_reads_a_source_pan_id_that_is_not_compressed()
    {
        // 2006 frame, short to short, PAN ID compression off: destination PAN 0x0001, source PAN 0x0002.
        byte[] frame = [0x01, 0x98, 0x05, 0x01, 0x00, 0x22, 0x11, 0x02, 0x00, 0x44, 0x33, 0xAA];

        Assert.Equal(Ieee802154Status.Ok, Ieee802154FrameParser.Parse(frame, LinkType.Ieee802154NoFcs, out Ieee802154Header header));
        Assert.Equal(new Ieee802154Address(Ieee802154AddressMode.Short, 0x0001, 0x1122), header.Destination);
        Assert.Equal(new Ieee802154Address(Ieee802154AddressMode.Short, 0x0002, 0x3344), header.Source);
        Assert.Equal(1, header.FrameVersion);
        Assert.Equal(11, header.PayloadOffset);
    }

    [Theory]
    [InlineData(3, 3, false, true, false)]  // 2015 table 7-2: extended pair, no compression: destination PAN only
    [InlineData(3, 3, true, false, false)]  // extended pair, compression: no PAN ID at all
    [InlineData(2, 2, false, true, true)]   // short pair: both PAN IDs
    [InlineData(2, 3, true, true, false)]   // mixed pair, compression: destination PAN only
    public void Parse_follows_the_2015_pan_id_table(int destinationMode, int sourceMode, bool compression, bool destinationPan, bool sourcePan)
    {
        int control = 1 | (compression ? 0x40 : 0) | (destinationMode << 10) | (2 << 12) | (sourceMode << 14);
        var bytes = new List<byte> { (byte)control, (byte)(control >> 8), 7 };
        if (destinationPan)
        {
            bytes.AddRange([0x01, 0x00]);
        }

        bytes.AddRange(LittleEndian(0x0102030405060708, destinationMode == 3 ? 8 : 2));
        if (sourcePan)
        {
            bytes.AddRange([0x02, 0x00]);
        }

        bytes.AddRange(LittleEndian(0x1112131415161718, sourceMode == 3 ? 8 : 2));
        bytes.Add(0x41);

        Assert.Equal(Ieee802154Status.Ok, Ieee802154FrameParser.Parse(bytes.ToArray(), LinkType.Ieee802154NoFcs, out Ieee802154Header header));
        Assert.Equal(bytes.Count - 1, header.PayloadOffset);
        Assert.Equal(destinationPan ? (ushort)1 : (ushort)0, header.Destination.PanId);
        Assert.Equal(sourcePan ? (ushort)2 : header.Destination.PanId, header.Source.PanId);
    }

    [Theory]
    [InlineData(new byte[] { 0x02, 0x0F, 0xAA, 0xBB, 0x80, 0x3F }, 6)]                  // header IE (id 0x1E, 2 octets), HT2
    [InlineData(new byte[] { 0x00, 0x3F, 0x03, 0x88, 1, 2, 3, 0x00, 0xF8 }, 9)]        // HT1, payload IE (group 1, 3 octets), termination
    [InlineData(new byte[] { 0x01, 0x0F, 0xAA }, 3)]                                    // header IEs up to the end: no payload
    public void Parse_skips_2015_information_elements(byte[] elements, int length)
    {
        // 2015 data frame, short to short, both PAN IDs (no compression), IE present.
        int control = 1 | 0x0200 | (2 << 10) | (2 << 12) | (2 << 14);
        byte[] frame = [(byte)control, (byte)(control >> 8), 1, 0xCD, 0xAB, 0x02, 0x00, 0xCD, 0xAB, 0x01, 0x00, .. elements, 0x41];
        if (length == 3)
        {
            frame = frame[..^1];
        }

        Assert.Equal(Ieee802154Status.Ok, Ieee802154FrameParser.Parse(frame, LinkType.Ieee802154NoFcs, out Ieee802154Header header));
        Assert.Equal(11 + length, header.PayloadOffset);
        Assert.Equal(length == 3 ? 0 : 1, header.PayloadLength);
        for (int cut = 11; cut < 11 + length; cut++)
        {
            // Cut inside an IE it is truncated; cut between IEs nothing is left for a payload.
            Ieee802154Status status = Ieee802154FrameParser.Parse(frame.AsSpan(0, cut), LinkType.Ieee802154NoFcs, out Ieee802154Header partial);
            Assert.True(status == Ieee802154Status.Truncated || (status == Ieee802154Status.Ok && partial.PayloadLength == 0), $"cut at {cut}: {status}");
        }
    }

    [Fact]
    public void Parse_refuses_a_frame_whose_fcs_does_not_match()
    {
        byte[] frame = Mac([0x41, 0x60, 0x00], Address.Short(1), Address.Short(2), fcs: true);
        Assert.Equal(Ieee802154Status.Ok, Ieee802154FrameParser.Parse(frame, LinkType.Ieee802154WithFcs, out _));

        frame[^3] ^= 0x01;

        Assert.Equal(Ieee802154Status.BadFcs, Ieee802154FrameParser.Parse(frame, LinkType.Ieee802154WithFcs, out _));
    }

    [Theory]
    [InlineData(0x01, 0x04)] // destination mode 1 (reserved)
    [InlineData(0x01, 0x30)] // frame version 3
    [InlineData(0x05, 0x88)] // frame type 5
    public void Parse_calls_reserved_forms_unsupported(byte low, byte high)
    {
        byte[] frame = [low, high, 0, 0xCD, 0xAB, 0x01, 0x00, 0x41];

        Assert.Equal(Ieee802154Status.Unsupported, Ieee802154FrameParser.Parse(frame, LinkType.Ieee802154NoFcs, out _));
    }

    [Fact]
    public void Parse_reports_every_truncation_of_a_frame_as_truncated_without_throwing()
    {
        byte[] frame = Mac([], Address.Extended(0x0011223344556677), Address.Extended(0x8899AABBCCDDEEFF));

        // The frame has an empty payload, so every proper prefix ends inside the MAC header.
        for (int length = 0; length < frame.Length; length++)
        {
            Assert.Equal(Ieee802154Status.Truncated, Ieee802154FrameParser.Parse(frame.AsSpan(0, length), LinkType.Ieee802154NoFcs, out _));
        }

        Assert.Equal(Ieee802154Status.Ok, Ieee802154FrameParser.Parse(frame, LinkType.Ieee802154NoFcs, out _));
    }

    [Fact]
    public void Parse_skips_a_tap_header_and_checks_the_fcs_its_tlv_announces()
    {
        byte[] mac = Mac([0x41, 0x60], Address.Short(1), Address.Short(2), fcs: true);
        byte[] tap = [0, 0, 12, 0, 0, 0, 1, 0, 1, 0, 0, 0]; // FCS type TLV: 16-bit CRC
        byte[] frame = [.. tap, .. mac];

        Assert.Equal(Ieee802154Status.Ok, Ieee802154FrameParser.Parse(frame, LinkType.Ieee802154Tap, out Ieee802154Header header));
        Assert.Equal(tap.Length + 9, header.PayloadOffset);
        Assert.Equal(2, header.PayloadLength);

        frame[^1] ^= 0xFF;
        Assert.Equal(Ieee802154Status.BadFcs, Ieee802154FrameParser.Parse(frame, LinkType.Ieee802154Tap, out _));
        for (int length = 0; length < tap.Length; length++)
        {
            Assert.Equal(Ieee802154Status.Truncated, Ieee802154FrameParser.Parse(frame.AsSpan(0, length), LinkType.Ieee802154Tap, out _));
        }
    }

    [Fact]
    public void Interface_ids_follow_rfc4944_for_extended_and_rfc6282_for_short_addresses()
    {
        Span<byte> iid = stackalloc byte[8];

        Assert.True(new Ieee802154Address(Ieee802154AddressMode.Extended, Pan, 0x0011223344556677).TryWriteInterfaceId(iid));
        Assert.Equal(0x0211223344556677UL, BinaryPrimitives.ReadUInt64BigEndian(iid));
        Assert.True(new Ieee802154Address(Ieee802154AddressMode.Short, Pan, 0xBEEF).TryWriteInterfaceId(iid));
        Assert.Equal(0x000000FFFE00BEEFUL, BinaryPrimitives.ReadUInt64BigEndian(iid));
        Assert.False(default(Ieee802154Address).TryWriteInterfaceId(iid));
    }
}
