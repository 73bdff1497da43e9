using System.Threading.Channels;
using Reassembly.Tests.Helpers;

namespace Reassembly.Tests.Api;

public sealed class ReassembleAsyncTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task ReassembleAsync_yields_one_output_per_frame_with_the_datagrams_Process_gives(int lanes)
    {
        int seed = Environment.TickCount;
        List<(byte[] Frame, long Timestamp)> frames = ApiWorkload.Create(new Random(seed));
        (Dictionary<int, byte[]> expected, ReassemblyStatistics expectedStats) = RunWithProcess(frames);

        using var reassembler = Reassembler.Create(ApiWorkload.Options(lanes));
        Channel<InputFrame> input = Channel.CreateBounded<InputFrame>(64);
        Task producer = ProduceAsync(input.Writer, frames);
        var actual = new Dictionary<int, byte[]>();
        int outputs = 0;
        await foreach (ReassemblyOutput output in reassembler.ReassembleAsync(input.Reader))
        {
            using (output)
            {
                outputs++;
                if (output.Result.IsReassembled)
                {
                    actual.Add(IndexOf(output, frames), output.Result.Datagram.Frame.ToArray());
                }
            }
        }

        await producer;
        reassembler.ExpireAll();
        Assert.Equal(frames.Count, outputs);
        Assert.True(expected.Count > 100, $"seed {seed}: {expected.Count} reassembled");
        SameOutput.Datagrams(seed, expected, actual);

        ReassemblyStatistics statistics = reassembler.GetStatistics();
        Assert.Equal(expectedStats.Ipv4, statistics.Ipv4);
        Assert.Equal(expectedStats.Ipv6, statistics.Ipv6);
    }

    [Fact]
    public async Task ReassembleAsync_with_one_lane_keeps_input_order()
    {
        List<(byte[] Frame, long Timestamp)> frames = ApiWorkload.Create(new Random(7), datagrams: 50);
        using var reassembler = Reassembler.Create(ApiWorkload.Options());
        Channel<InputFrame> input = Channel.CreateUnbounded<InputFrame>();
        await ProduceAsync(input.Writer, frames);

        int position = 0;
        await foreach (ReassemblyOutput output in reassembler.ReassembleAsync(input.Reader))
        {
            using (output)
            {
                Assert.Same(frames[position].Frame, System.Runtime.InteropServices.MemoryMarshal.TryGetArray(output.Input.Data, out ArraySegment<byte> segment) ? segment.Array : null);
                position++;
            }
        }

        Assert.Equal(frames.Count, position);
    }

    [Fact]
    public async Task Breaking_out_of_a_many_lane_stream_stops_the_lanes_and_lets_a_new_stream_start()
    {
        List<(byte[] Frame, long Timestamp)> frames = ApiWorkload.Create(new Random(11));
        using var reassembler = Reassembler.Create(ApiWorkload.Options(2));
        Channel<InputFrame> input = Channel.CreateUnbounded<InputFrame>();
        await ProduceAsync(input.Writer, frames, complete: false);

        int seen = 0;
        await foreach (ReassemblyOutput output in reassembler.ReassembleAsync(input.Reader))
        {
            output.Dispose();
            if (++seen == 10)
            {
                break;
            }
        }

        // The input never completed, so only the break can have ended the stream; a second one may now run.
        input.Writer.Complete();
        int rest = 0;
        await foreach (ReassemblyOutput output in reassembler.ReassembleAsync(input.Reader))
        {
            output.Dispose();
            rest++;
        }

        // Frames the first stream had read but not yielded are gone (their outputs were disposed); none comes twice.
        Assert.Equal(10, seen);
        Assert.InRange(rest, 0, frames.Count - 10);
    }

    [Fact]
    public async Task A_second_concurrent_stream_is_refused()
    {
        using var reassembler = Reassembler.Create();
        Channel<InputFrame> input = Channel.CreateUnbounded<InputFrame>();
        input.Writer.TryWrite(new InputFrame(PacketBuilder.Ethernet(0x0806, new byte[28]), LinkType.Ethernet, 1));

        await using IAsyncEnumerator<ReassemblyOutput> first = reassembler.ReassembleAsync(input.Reader).GetAsyncEnumerator();
        Assert.True(await first.MoveNextAsync());

        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (ReassemblyOutput output in reassembler.ReassembleAsync(input.Reader))
            {
                output.Dispose();
            }
        });
    }

    [Fact]
    public async Task Cancelling_the_stream_throws_OperationCanceledException_to_the_consumer()
    {
        using var reassembler = Reassembler.Create(ApiWorkload.Options(2));
        Channel<InputFrame> input = Channel.CreateUnbounded<InputFrame>();
        using var cancellation = new CancellationTokenSource();
        input.Writer.TryWrite(new InputFrame(PacketBuilder.Ethernet(0x0806, new byte[28]), LinkType.Ethernet, 1));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (ReassemblyOutput output in reassembler.ReassembleAsync(input.Reader, cancellation.Token))
            {
                output.Dispose();
                await cancellation.CancelAsync();
            }
        });
    }

    [Fact]
    public async Task An_exception_in_a_lane_ends_the_stream_with_that_exception()
    {
        using var reassembler = Reassembler.Create(new ReassemblyOptions { Workers = 2, AnomalySink = new ThrowingSink() });
        Channel<InputFrame> input = Channel.CreateUnbounded<InputFrame>();

        // A non-final fragment whose length is not a multiple of 8 is reported to the sink, which throws.
        input.Writer.TryWrite(new InputFrame(PacketBuilder.Ethernet(0x0800, PacketBuilder.Ipv4(new byte[100], 0, true)), LinkType.Ethernet, 1));

        InvalidDataException thrown = await Assert.ThrowsAsync<InvalidDataException>(async () =>
        {
            await foreach (ReassemblyOutput output in reassembler.ReassembleAsync(input.Reader))
            {
                output.Dispose();
            }
        });
        Assert.Equal("sink failed", thrown.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task An_input_channel_completed_with_an_error_ends_the_stream_with_that_error(int lanes)
    {
        using var reassembler = Reassembler.Create(new ReassemblyOptions { Workers = lanes });
        Channel<InputFrame> input = Channel.CreateUnbounded<InputFrame>();
        input.Writer.TryWrite(new InputFrame(PacketBuilder.Ethernet(0x0806, new byte[28]), LinkType.Ethernet, 1));
        input.Writer.Complete(new IOException("capture device gone"));

        IOException thrown = await Assert.ThrowsAsync<IOException>(async () =>
        {
            await foreach (ReassemblyOutput output in reassembler.ReassembleAsync(input.Reader))
            {
                output.Dispose();
            }
        });
        Assert.Equal("capture device gone", thrown.Message);
    }

    [Fact]
    public async Task A_channel_sink_delivers_every_anomaly_to_an_async_reader_and_counts_what_does_not_fit()
    {
        int seed = Environment.TickCount;
        List<(byte[] Frame, long Timestamp)> frames = ApiWorkload.Create(new Random(seed));
        ChannelAnomalySink sink = ChannelAnomalySink.CreateBounded(out ChannelReader<AnomalyEvent> events, capacity: 1_000_000);
        ChannelAnomalySink tiny = ChannelAnomalySink.CreateBounded(out _, capacity: 1);
        using var reassembler = Reassembler.Create(ApiWorkload.Options(sink: sink));
        using var small = Reassembler.Create(ApiWorkload.Options(sink: tiny));
        foreach ((byte[] frame, long timestamp) in frames)
        {
            reassembler.Process(frame, LinkType.Ethernet, timestamp).Dispose();
            small.Process(frame, LinkType.Ethernet, timestamp).Dispose();
        }

        reassembler.ExpireAll();
        var perKind = new long[AnomalyKindNames.Count];
        long total = 0;
        while (events.TryRead(out AnomalyEvent anomaly))
        {
            perKind[(int)anomaly.Kind]++;
            total++;
        }

        ReassemblyStatistics statistics = reassembler.GetStatistics();
        Assert.True(total > 10, $"seed {seed}: {total} events");
        Assert.Equal(0, sink.Dropped);
        foreach (AnomalyKind kind in Enum.GetValues<AnomalyKind>())
        {
            Assert.True(statistics.Anomalies[kind] == perKind[(int)kind], $"seed {seed}: {kind}");
        }

        Assert.True(tiny.Dropped >= total - 1 - perKind[(int)AnomalyKind.Timeout], $"seed {seed}: a one-slot channel drops the rest ({tiny.Dropped})");
    }

    private static (Dictionary<int, byte[]>, ReassemblyStatistics) RunWithProcess(List<(byte[] Frame, long Timestamp)> frames)
    {
        using var reassembler = Reassembler.Create(ApiWorkload.Options());
        var output = new Dictionary<int, byte[]>();
        for (int i = 0; i < frames.Count; i++)
        {
            using ReassemblyResult result = reassembler.Process(frames[i].Frame, LinkType.Ethernet, frames[i].Timestamp);
            if (result.IsReassembled)
            {
                output[i] = result.Datagram.Frame.ToArray();
            }
        }

        reassembler.ExpireAll();
        return (output, reassembler.GetStatistics());
    }

    // Frames are identified by timestamp and array: duplicates in the workload share an array but not a timestamp.
    private static int IndexOf(ReassemblyOutput output, List<(byte[] Frame, long Timestamp)> frames)
    {
        for (int i = 0; i < frames.Count; i++)
        {
            if (frames[i].Timestamp == output.Input.TimestampNanoseconds && output.Input.Data.Span == frames[i].Frame.AsSpan())
            {
                return i;
            }
        }

        throw new InvalidOperationException("an output for a frame that was never sent");
    }

    private static async Task ProduceAsync(ChannelWriter<InputFrame> writer, List<(byte[] Frame, long Timestamp)> frames, bool complete = true)
    {
        foreach ((byte[] frame, long timestamp) in frames)
        {
            await writer.WriteAsync(new InputFrame(frame, LinkType.Ethernet, timestamp));
        }

        if (complete)
        {
            writer.Complete();
        }
    }

    private sealed class ThrowingSink : IAnomalySink
    {
        public void OnAnomaly(in AnomalyEvent anomaly) => throw new InvalidDataException("sink failed");
    }
}
