using System;
using System.Buffers;
using Reassembly.Capture.Pcap;
using Reassembly.Capture.Tests.Helpers;

namespace Reassembly.Capture.Tests.Pcap;

public class PcapRecordReaderTests
{
    private const int MaxRecordLength = 1 << 20;

    [Fact]
    public void Every_prefix_of_the_file_header_returns_false_and_consumes_nothing()
    {
        byte[] file = new PcapBuilder(bigEndian: true).ToArray();
        Span<byte> scratch = stackalloc byte[32];

        for (int length = 0; length < file.Length; length++)
        {
            var sequence = new ReadOnlySequence<byte>(file, 0, length);
            var reader = new PcapRecordReader(sequence, default, scratch, MaxRecordLength);

            Assert.False(reader.TryReadFileHeader());
            Assert.Equal(sequence.Start, reader.Position);
            Assert.False(reader.CurrentState.HeaderRead);
            Assert.Equal(0, reader.CurrentState.Position);
        }
    }

    [Fact]
    public void Every_prefix_of_a_record_returns_false_consumes_nothing_and_reports_the_pending_length_once_the_header_is_in()
    {
        byte[] file = new PcapBuilder().Record(5, 6, [1, 2, 3, 4, 5, 6, 7]).ToArray();
        byte[] record = file[PcapBuilder.FileHeaderLength..];
        Span<byte> scratch = stackalloc byte[32];
        var headerReader = new PcapRecordReader(new ReadOnlySequence<byte>(file), default, scratch, MaxRecordLength);
        Assert.True(headerReader.TryReadFileHeader());
        PcapReaderState afterHeader = headerReader.CurrentState;

        for (int length = 0; length < record.Length; length++)
        {
            var sequence = new ReadOnlySequence<byte>(record, 0, length);
            var reader = new PcapRecordReader(sequence, afterHeader, scratch, MaxRecordLength);

            Assert.False(reader.TryReadRecord(out _));
            Assert.Equal(sequence.Start, reader.Position);
            Assert.Equal(afterHeader.Position, reader.CurrentState.Position);
            Assert.Equal(length < 16 ? 0 : record.Length, reader.PendingRecordLength);
        }

        var complete = new PcapRecordReader(new ReadOnlySequence<byte>(record), afterHeader, scratch, MaxRecordLength);
        Assert.True(complete.TryReadRecord(out PcapRecord parsed));
        Assert.Equal(7, parsed.Data.Length);
        Assert.Equal(PcapBuilder.FileHeaderLength, parsed.Offset);
        Assert.Equal(5_000_006_000, parsed.TimestampNanoseconds);
        Assert.Equal(afterHeader.Position + record.Length, complete.CurrentState.Position);
    }
}
