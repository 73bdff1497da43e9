using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Reassembly.Capture.Tests.Helpers;

namespace Reassembly.Capture.Tests.PcapNg;

public class PcapNgReaderTests
{
    private static readonly byte[] A = [0x45, 0, 0, 20, 1];
    private static readonly byte[] B = [0x60, 0, 0, 0, 2, 3, 4, 5];
    private static readonly byte[] C = [9, 8, 7];

    private static PcapNgBuilder ThreeInterfaceFile(bool bigEndian) =>
        new PcapNgBuilder()
            .SectionHeader(bigEndian)
            .Interface(1, snapLength: 65535, name: "eth0")                          // µs by default
            .Interface(101, snapLength: 0, name: "tun0", tsResol: 9)                // ns
            .Interface(195, snapLength: 128, tsResol: 0x80 | 20, tsOffset: 100)    // 2^-20 s, +100 s
            .EnhancedPacket(0, 1_700_000_000_123_456, A, originalLength: 60)
            .EnhancedPacket(1, 1_700_000_000_987_654_321, B)
            .EnhancedPacket(2, 3UL << 20, C); // 3 s after the 100 s offset

    private static IEnumerable<RecordedFrame> ExpectedThreeInterfaceFrames() =>
    [
        new(Convert.ToHexString(A), 60, 1_700_000_000_123_456_000, 0, LinkType.Ethernet, 0),
        new(Convert.ToHexString(B), 8, 1_700_000_000_987_654_321, 1, LinkType.Raw, 1),
        new(Convert.ToHexString(C), 3, 103_000_000_000, 2, LinkType.Ieee802154WithFcs, 2),
    ];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Several_interfaces_with_their_own_link_types_and_resolutions_are_read_in_either_byte_order(bool bigEndian)
    {
        byte[] file = ThreeInterfaceFile(bigEndian).ToArray();

        CaptureReadResult result = await CaptureRead.WholeAsync(file);

        Assert.Equal(CaptureFormat.PcapNg, result.Reader.Format);
        Assert.Equal(ExpectedThreeInterfaceFrames(), result.Frames);
        Assert.Equal(
            new (int, LinkType, int, string?, CaptureTimestampResolution, long)[]
            {
                (0, LinkType.Ethernet, 65535, "eth0", CaptureTimestampResolution.Microseconds, 0),
                (1, LinkType.Raw, 0, "tun0", CaptureTimestampResolution.Nanoseconds, 0),
                (2, LinkType.Ieee802154WithFcs, 128, null, CaptureTimestampResolution.PowerOfTwo(20), 100),
            },
            result.Reader.Interfaces.Select(i => (i.Id, i.LinkType, i.SnapLength, i.Name, i.TimestampResolution, i.TimestampOffsetSeconds)));
        Assert.False(result.Summary.Truncated);
        Assert.Equal(file.Length, result.Summary.BytesRead);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(64)]
    public async Task The_same_file_in_small_segments_gives_identical_frames(int segmentSize)
    {
        byte[] file = ThreeInterfaceFile(bigEndian: true).SimplePacket(A).ToArray();
        CaptureReadResult whole = await CaptureRead.WholeAsync(file);

        CaptureReadResult segmented = await CaptureRead.SegmentedAsync(file, segmentSize);

        Assert.Equal(4, whole.Frames.Count);
        Assert.Equal(whole.Frames, segmented.Frames);
        Assert.False(segmented.Summary.Truncated);
    }

    [Fact]
    public async Task Simple_packet_blocks_belong_to_interface_zero_are_cut_to_its_snap_length_and_have_no_timestamp()
    {
        byte[] file = new PcapNgBuilder()
            .SectionHeader()
            .Interface(228, snapLength: 4)
            .SimplePacket(B, originalLength: 1400)
            .SimplePacket(C)
            .ToArray();

        CaptureReadResult result = await CaptureRead.WholeAsync(file);

        Assert.Equal(
            new RecordedFrame[]
            {
                new(Convert.ToHexString(B.AsSpan(0, 4)), 1400, 0, 0, LinkType.Ipv4, 0),
                new(Convert.ToHexString(C), 3, 0, 0, LinkType.Ipv4, 1),
            },
            result.Frames);
    }

    [Fact]
    public async Task Obsolete_packet_blocks_are_read_like_enhanced_ones()
    {
        byte[] file = new PcapNgBuilder().SectionHeader(bigEndian: true).Interface(1).Interface(1, tsResol: 3).ObsoletePacket(1, 5_001, A).ToArray();

        CaptureReadResult result = await CaptureRead.WholeAsync(file);

        Assert.Equal(new RecordedFrame(Convert.ToHexString(A), 5, 5_001_000_000, 1, LinkType.Ethernet, 0), Assert.Single(result.Frames));
    }

    [Fact]
    public async Task Name_resolution_statistics_decryption_secrets_and_custom_blocks_are_skipped()
    {
        byte[] file = new PcapNgBuilder()
            .SectionHeader()
            .Block(0x00000004, [1, 0, 8, 0, 10, 0, 0, 1, (byte)'h', (byte)'o', (byte)'s', (byte)'t', 0, 0, 0, 0]) // NRB
            .Interface(1)
            .Block(0x0000000A, [0x54, 0x4C, 0x53, 0x4B, 0, 0, 0, 0])                                         // DSB
            .EnhancedPacket(0, 1, A)
            .Block(0x00000005, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])                                         // ISB
            .Block(0x00000BAD, [0xDE, 0xAD, 0xBE, 0xEF])                                                     // custom
            .Block(0x12345678, [])                                                                           // unknown, empty body
            .EnhancedPacket(0, 2, B)
            .ToArray();

        CaptureReadResult result = await CaptureRead.WholeAsync(file);

        Assert.Equal(new[] { Convert.ToHexString(A), Convert.ToHexString(B) }, result.Frames.Select(f => f.DataHex));
        Assert.Equal(new long[] { 0, 1 }, result.Frames.Select(f => f.Index));
    }

    [Fact]
    public async Task A_new_section_numbers_its_interfaces_after_the_previous_sections_and_may_switch_byte_order()
    {
        byte[] file = new PcapNgBuilder()
            .SectionHeader(bigEndian: false)
            .Interface(1, name: "first")
            .EnhancedPacket(0, 1, A)
            .SectionHeader(bigEndian: true)
            .Interface(229, name: "second", tsResol: 9)
            .EnhancedPacket(0, 7, B)
            .ToArray();

        CaptureReadResult result = await CaptureRead.WholeAsync(file);

        Assert.Equal(
            new RecordedFrame[]
            {
                new(Convert.ToHexString(A), 5, 1_000, 0, LinkType.Ethernet, 0),
                new(Convert.ToHexString(B), 8, 7, 1, LinkType.Ipv6, 1),
            },
            result.Frames);
        Assert.Equal(new[] { "first", "second" }, result.Reader.Interfaces.Select(i => i.Name));
        Assert.Equal(new[] { 0, 1 }, result.Reader.Interfaces.Select(i => i.Id));
    }

    [Fact]
    public async Task A_packet_for_an_interface_of_a_previous_section_is_rejected()
    {
        var builder = new PcapNgBuilder().SectionHeader().Interface(1).Interface(1).SectionHeader().Interface(1).EnhancedPacket(1, 0, A);

        CaptureFormatException error = await Assert.ThrowsAsync<CaptureFormatException>(() => CaptureRead.WholeAsync(builder.ToArray()));

        Assert.Equal(CaptureFormatError.UnknownInterface, error.Error);
        Assert.Equal(builder.BlockOffsets[^1], error.Offset);
    }

    [Fact]
    public async Task A_simple_packet_without_any_interface_is_rejected()
    {
        var builder = new PcapNgBuilder().SectionHeader().SimplePacket(A);

        CaptureFormatException error = await Assert.ThrowsAsync<CaptureFormatException>(() => CaptureRead.WholeAsync(builder.ToArray()));

        Assert.Equal(CaptureFormatError.UnknownInterface, error.Error);
        Assert.Equal(builder.BlockOffsets[1], error.Offset);
    }

    [Theory]
    [InlineData(8u, CaptureFormatError.InvalidLength)]          // below the 12-byte minimum
    [InlineData(30u, CaptureFormatError.InvalidLength)]         // not a multiple of 4
    [InlineData(0x2000_0000u, CaptureFormatError.RecordTooLarge)] // 512 MiB, above the 256 MiB cap
    [InlineData(36u, CaptureFormatError.LengthMismatch)]        // plausible, but the trailer still says 32
    public async Task A_lying_block_length_is_rejected_at_the_block_offset(uint lengthField, CaptureFormatError expected)
    {
        var builder = new PcapNgBuilder().SectionHeader().Interface(1).EnhancedPacket(0, 0, A);
        builder.RawBlock(0x00000BAD, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20], lengthField, trailerField: 32);
        builder.EnhancedPacket(0, 0, B);
        byte[] file = builder.ToArray();

        foreach (Func<Task<CaptureReadResult>> read in new Func<Task<CaptureReadResult>>[] { () => CaptureRead.WholeAsync(file), () => CaptureRead.SegmentedAsync(file, 1) })
        {
            CaptureFormatException error = await Assert.ThrowsAsync<CaptureFormatException>(read);
            Assert.Equal(expected, error.Error);
            Assert.Equal(builder.BlockOffsets[3], error.Offset);
        }
    }

    [Fact]
    public async Task A_trailing_length_mismatch_is_rejected()
    {
        var builder = new PcapNgBuilder().SectionHeader().Interface(1);
        builder.RawBlock(6, new byte[24], lengthField: null, trailerField: 40);

        CaptureFormatException error = await Assert.ThrowsAsync<CaptureFormatException>(() => CaptureRead.WholeAsync(builder.ToArray()));

        Assert.Equal(CaptureFormatError.LengthMismatch, error.Error);
        Assert.Equal(builder.BlockOffsets[2], error.Offset);
    }

    [Fact]
    public async Task A_captured_length_larger_than_its_block_is_rejected()
    {
        var builder = new PcapNgBuilder().SectionHeader().Interface(1).EnhancedPacket(0, 0, A, capturedLengthField: 9);

        CaptureFormatException error = await Assert.ThrowsAsync<CaptureFormatException>(() => CaptureRead.WholeAsync(builder.ToArray()));

        Assert.Equal(CaptureFormatError.InvalidLength, error.Error);
        Assert.Equal(builder.BlockOffsets[2], error.Offset);
    }

    [Fact]
    public async Task An_option_running_past_its_block_is_rejected()
    {
        var builder = new PcapNgBuilder().SectionHeader();
        builder.Block(1, [1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 200, 0, (byte)'e', (byte)'t', (byte)'h', 0]);

        CaptureFormatException error = await Assert.ThrowsAsync<CaptureFormatException>(() => CaptureRead.WholeAsync(builder.ToArray()));

        Assert.Equal(CaptureFormatError.InvalidOption, error.Error);
        Assert.Equal(builder.BlockOffsets[1], error.Offset);
    }

    [Fact]
    public async Task A_section_header_with_a_bad_byte_order_magic_or_version_is_rejected()
    {
        byte[] badMagic = new PcapNgBuilder().SectionHeader().ToArray();
        badMagic[8] ^= 0xFF;
        byte[] badVersion = new PcapNgBuilder().SectionHeader(versionMajor: 2).ToArray();

        Assert.Equal(CaptureFormatError.UnknownMagic, (await Assert.ThrowsAsync<CaptureFormatException>(() => CaptureRead.WholeAsync(badMagic))).Error);
        Assert.Equal(CaptureFormatError.UnsupportedVersion, (await Assert.ThrowsAsync<CaptureFormatException>(() => CaptureRead.WholeAsync(badVersion))).Error);
    }

    [Fact]
    public async Task A_timestamp_beyond_the_nanosecond_range_is_rejected()
    {
        var builder = new PcapNgBuilder().SectionHeader().Interface(1, tsResol: 0).EnhancedPacket(0, ulong.MaxValue, A);

        CaptureFormatException error = await Assert.ThrowsAsync<CaptureFormatException>(() => CaptureRead.WholeAsync(builder.ToArray()));

        Assert.Equal(CaptureFormatError.TimestampOutOfRange, error.Error);
        Assert.Equal(builder.BlockOffsets[2], error.Offset);
    }

    [Fact]
    public async Task Every_truncation_delivers_exactly_the_complete_packets_before_the_cut()
    {
        PcapNgBuilder builder = ThreeInterfaceFile(bigEndian: false);
        byte[] file = builder.ToArray();
        List<RecordedFrame> all = (await CaptureRead.WholeAsync(file)).Frames;
        List<int> blockEnds = [.. builder.BlockOffsets.Skip(1), file.Length];
        int sectionHeaderEnd = blockEnds[0];

        for (int cut = 0; cut < file.Length; cut++)
        {
            byte[] prefix = file[..cut];
            foreach (Func<Task<CaptureReadResult>> read in new Func<Task<CaptureReadResult>>[]
                     {
                         () => CaptureRead.WholeAsync(prefix),
                         () => CaptureRead.SegmentedAsync(prefix, 1),
                     })
            {
                if (cut < sectionHeaderEnd)
                {
                    CaptureFormatException error = await Assert.ThrowsAsync<CaptureFormatException>(read);
                    Assert.Equal(cut == 0 ? CaptureFormatError.EmptyFile : CaptureFormatError.TruncatedFileHeader, error.Error);
                    continue;
                }

                CaptureReadResult result = await read();
                int completeBlocks = blockEnds.Count(end => end <= cut);
                int completePackets = Math.Max(0, completeBlocks - 4); // SHB + 3 IDBs come first
                long blockStart = blockEnds[completeBlocks - 1];
                Assert.Equal(all.Take(completePackets), result.Frames);
                Assert.Equal(cut != blockStart, result.Summary.Truncated);
                Assert.Equal(blockStart, result.Summary.TruncatedRecordOffset);
                Assert.Equal(cut - blockStart, result.Summary.TruncatedByteCount);
            }
        }
    }
}
