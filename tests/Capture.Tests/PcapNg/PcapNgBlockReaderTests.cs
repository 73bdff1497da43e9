using System;
using System.Buffers;
using Reassembly.Capture.PcapNg;
using Reassembly.Capture.Tests.Helpers;

namespace Reassembly.Capture.Tests.PcapNg;

public class PcapNgBlockReaderTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Every_prefix_of_a_block_returns_false_and_consumes_nothing(bool bigEndian)
    {
        byte[] file = new PcapNgBuilder().SectionHeader(bigEndian).Interface(1, name: "lo").ToArray();
        Span<byte> scratch = stackalloc byte[32];

        for (int length = 0; length < file.Length; length++)
        {
            var sequence = new ReadOnlySequence<byte>(file, 0, length);
            var reader = new PcapNgBlockReader(sequence, default, scratch, 1 << 20);
            bool sawSectionHeader = length >= 28;
            if (sawSectionHeader)
            {
                Assert.True(reader.TryReadBlock(out PcapNgBlock header));
                Assert.Equal(PcapNgBlockType.SectionHeader, header.Type);
                Assert.Equal(bigEndian, header.BigEndian);
            }

            PcapNgReaderState before = reader.CurrentState;
            SequencePosition start = reader.Position;
            Assert.False(reader.TryReadBlock(out _));
            Assert.Equal(start, reader.Position);
            Assert.Equal(before.Position, reader.CurrentState.Position);
            Assert.Equal(before.InSection, reader.CurrentState.InSection);
        }
    }

    [Fact]
    public void A_block_before_any_section_header_is_rejected()
    {
        byte[] bytes = [1, 0, 0, 0, 12, 0, 0, 0, 12, 0, 0, 0];
        Span<byte> scratch = stackalloc byte[32];
        var reader = new PcapNgBlockReader(new ReadOnlySequence<byte>(bytes), default, scratch, 1 << 20);

        try
        {
            reader.TryReadBlock(out _);
            Assert.Fail("Expected a CaptureFormatException.");
        }
        catch (CaptureFormatException error)
        {
            Assert.Equal(CaptureFormatError.UnknownMagic, error.Error);
            Assert.Equal(0, error.Offset);
        }
    }
}
