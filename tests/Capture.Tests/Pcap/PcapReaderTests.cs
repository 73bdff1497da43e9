using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Reassembly.Capture.Tests.Helpers;

namespace Reassembly.Capture.Tests.Pcap;

public class PcapReaderTests
{
    private static readonly byte[] First = [0x45, 0x00, 0x00, 0x14, 0xAA];
    private static readonly byte[] Second = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
    private static readonly byte[] Third = [0xFF];

    private static byte[] ThreeRecordFile(bool bigEndian = false, bool nanosecond = false) =>
        new PcapBuilder(bigEndian, nanosecond)
            .Record(1_700_000_000, 123_456, First)
            .Record(1_700_000_001, 999_999, Second, originalLength: 1500)
            .Record(4_000_000_000, 0, Third)
            .ToArray();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Microsecond_files_in_either_byte_order_give_the_same_frames(bool bigEndian)
    {
        CaptureReadResult result = await CaptureRead.WholeAsync(ThreeRecordFile(bigEndian));

        Assert.Equal(CaptureFormat.Pcap, result.Reader.Format);
        Assert.False(result.Reader.NanosecondTimestamps);
        Assert.Equal(
            new[]
            {
                new RecordedFrame(Convert.ToHexString(First), 5, 1_700_000_000_123_456_000, 0, LinkType.Ethernet, 0),
                new RecordedFrame(Convert.ToHexString(Second), 1500, 1_700_000_001_999_999_000, 0, LinkType.Ethernet, 1),
                new RecordedFrame(Convert.ToHexString(Third), 1, 4_000_000_000_000_000_000, 0, LinkType.Ethernet, 2),
            },
            result.Frames);
        Assert.False(result.Summary.Truncated);
        Assert.Equal(3, result.Summary.FramesRead);
        Assert.Equal(ThreeRecordFile(bigEndian).Length, result.Summary.BytesRead);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Nanosecond_magic_makes_the_fraction_nanoseconds(bool bigEndian)
    {
        CaptureReadResult result = await CaptureRead.WholeAsync(ThreeRecordFile(bigEndian, nanosecond: true));

        Assert.True(result.Reader.NanosecondTimestamps);
        Assert.Equal(CaptureTimestampResolution.Nanoseconds, Assert.Single(result.Reader.Interfaces).TimestampResolution);
        Assert.Equal(new long[] { 1_700_000_000_000_123_456, 1_700_000_001_000_999_999, 4_000_000_000_000_000_000 },
            result.Frames.Select(f => f.TimestampNanoseconds));
    }

    [Fact]
    public async Task Header_describes_interface_zero_and_fcs_bits_are_masked_off_the_link_type()
    {
        // LINKTYPE_ETHERNET with "FCS present, 4 bytes" in the upper bits (libpcap LT_FCS_DATALINK_EXT(4)).
        uint linkTypeField = 1u | 0x04000000u | (4u << 28);
        byte[] file = new PcapBuilder(linkTypeField: linkTypeField, snapLength: 262144).Record(0, 0, First).ToArray();

        CaptureReadResult result = await CaptureRead.WholeAsync(file);

        CaptureInterface only = Assert.Single(result.Reader.Interfaces);
        Assert.Equal((0, LinkType.Ethernet, 262144, (string?)null), (only.Id, only.LinkType, only.SnapLength, only.Name));
        Assert.Equal(LinkType.Ethernet, Assert.Single(result.Frames).LinkType);
    }

    [Fact]
    public async Task A_link_type_the_enum_does_not_name_is_carried_as_its_number()
    {
        byte[] file = new PcapBuilder(linkTypeField: 147).Record(0, 0, First).ToArray();

        CaptureReadResult result = await CaptureRead.WholeAsync(file);

        Assert.Equal((LinkType)147, Assert.Single(result.Frames).LinkType);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public async Task The_same_file_in_small_segments_gives_identical_frames(int segmentSize)
    {
        byte[] file = ThreeRecordFile(bigEndian: true, nanosecond: true);
        CaptureReadResult whole = await CaptureRead.WholeAsync(file);

        CaptureReadResult segmented = await CaptureRead.SegmentedAsync(file, segmentSize);

        Assert.Equal(whole.Frames, segmented.Frames);
        Assert.False(segmented.Summary.Truncated);
        Assert.Equal(file.Length, segmented.Summary.BytesRead);
    }

    [Fact]
    public async Task Every_truncation_delivers_exactly_the_complete_records_before_the_cut()
    {
        var builder = new PcapBuilder().Record(10, 1, First).Record(11, 2, Second).Record(12, 3, Third);
        byte[] file = builder.ToArray();
        List<RecordedFrame> all = (await CaptureRead.WholeAsync(file)).Frames;
        List<int> recordEnds = [.. builder.RecordOffsets.Skip(1), file.Length];

        for (int cut = 0; cut < file.Length; cut++)
        {
            byte[] prefix = file[..cut];
            foreach (Func<Task<CaptureReadResult>> read in new Func<Task<CaptureReadResult>>[]
                     {
                         () => CaptureRead.WholeAsync(prefix),
                         () => CaptureRead.SegmentedAsync(prefix, 1),
                     })
            {
                if (cut < PcapBuilder.FileHeaderLength)
                {
                    CaptureFormatException error = await Assert.ThrowsAsync<CaptureFormatException>(read);
                    Assert.Equal(cut == 0 ? CaptureFormatError.EmptyFile : CaptureFormatError.TruncatedFileHeader, error.Error);
                    Assert.Equal(0, error.Offset);
                    continue;
                }

                CaptureReadResult result = await read();
                int complete = recordEnds.Count(end => end <= cut);
                long recordStart = complete == 0 ? PcapBuilder.FileHeaderLength : recordEnds[complete - 1];
                Assert.Equal(all.Take(complete), result.Frames);
                Assert.Equal(cut != recordStart, result.Summary.Truncated);
                Assert.Equal(recordStart, result.Summary.TruncatedRecordOffset);
                Assert.Equal(cut - recordStart, result.Summary.TruncatedByteCount);
                Assert.Equal(cut, result.Summary.BytesRead);
            }
        }
    }

    [Fact]
    public async Task A_captured_length_beyond_the_record_limit_is_rejected_at_its_record_offset()
    {
        var builder = new PcapBuilder().Record(1, 0, First).Record(2, 0, Second, capturedLengthField: 0x7FFF_FFF0);
        var handler = new RecordingHandler();

        await using var reader = new CaptureFileReader(System.IO.Pipelines.PipeReader.Create(new System.Buffers.ReadOnlySequence<byte>(builder.ToArray())));
        CaptureFormatException error = await Assert.ThrowsAsync<CaptureFormatException>(() => reader.ReadAllAsync(handler));

        Assert.Equal(CaptureFormatError.RecordTooLarge, error.Error);
        Assert.Equal(builder.RecordOffsets[1], error.Offset);
        Assert.Contains($"offset {builder.RecordOffsets[1]}", error.Message, StringComparison.Ordinal);
        Assert.Single(handler.Frames);
    }

    [Fact]
    public async Task A_captured_length_that_lies_past_a_lower_configured_limit_is_rejected_before_its_bytes_arrive()
    {
        byte[] file = new PcapBuilder().Record(1, 0, First, capturedLengthField: 5000).ToArray();

        CaptureFormatException error = await Assert.ThrowsAsync<CaptureFormatException>(
            () => CaptureRead.SegmentedAsync(file, 1, new CaptureReaderOptions { MaxRecordLength = 4096 }));

        Assert.Equal(CaptureFormatError.RecordTooLarge, error.Error);
        Assert.Equal(PcapBuilder.FileHeaderLength, error.Offset);
    }

    [Fact]
    public async Task An_original_length_beyond_int_range_is_rejected()
    {
        byte[] file = new PcapBuilder().Record(1, 0, First, originalLength: 0x8000_0000).ToArray();

        CaptureFormatException error = await Assert.ThrowsAsync<CaptureFormatException>(() => CaptureRead.WholeAsync(file));

        Assert.Equal(CaptureFormatError.InvalidLength, error.Error);
        Assert.Equal(PcapBuilder.FileHeaderLength, error.Offset);
    }

    [Fact]
    public async Task Unknown_magic_is_rejected_at_offset_zero()
    {
        byte[] file = [.. "GIF89a is not a capture, 24 bytes+"u8];

        CaptureFormatException error = await Assert.ThrowsAsync<CaptureFormatException>(() => CaptureRead.WholeAsync(file));

        Assert.Equal(CaptureFormatError.UnknownMagic, error.Error);
        Assert.Equal(0, error.Offset);
    }

    [Fact]
    public async Task A_major_version_other_than_2_is_rejected()
    {
        byte[] file = new PcapBuilder(versionMajor: 3).ToArray();

        CaptureFormatException error = await Assert.ThrowsAsync<CaptureFormatException>(() => CaptureRead.WholeAsync(file));

        Assert.Equal(CaptureFormatError.UnsupportedVersion, error.Error);
    }

    [Fact]
    public async Task An_exception_from_the_handler_passes_through_unchanged()
    {
        byte[] file = ThreeRecordFile();
        await using var reader = new CaptureFileReader(System.IO.Pipelines.PipeReader.Create(new System.Buffers.ReadOnlySequence<byte>(file)));

        // ArgumentException is also what a parser defect looks like; it must not be reclassified as bad input.
        ArgumentException error = await Assert.ThrowsAsync<ArgumentException>(() => reader.ReadAllAsync(new ThrowingHandler()));

        Assert.Equal("from the handler", error.Message);
    }

    [Fact]
    public async Task Reading_twice_is_refused()
    {
        await using var reader = new CaptureFileReader(System.IO.Pipelines.PipeReader.Create(new System.Buffers.ReadOnlySequence<byte>(ThreeRecordFile())));
        await reader.ReadAllAsync(new RecordingHandler());

        await Assert.ThrowsAsync<InvalidOperationException>(() => reader.ReadAllAsync(new RecordingHandler()));
    }

    private sealed class ThrowingHandler : ICaptureFrameHandler
    {
        public void OnFrame(in CaptureFrame frame) => throw new ArgumentException("from the handler");
    }
}
