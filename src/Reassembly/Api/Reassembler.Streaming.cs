using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace Reassembly;

// The async streaming API: frames from a channel in, outputs as an async stream out, over one lane or several.
public sealed partial class Reassembler
{
    // Bounds between the stages: enough to ride out scheduling hiccups, small enough that a stalled consumer stops the
    // producer (backpressure) instead of letting datagrams pile up in memory.
    private const int LaneCapacity = 1024;
    private const int OutputCapacity = 4096;

    // Idle lanes hear the clock this often (in frames), so their queues expire even when traffic steers elsewhere.
    private const int TickInterval = 1024;

    /// <summary>
    /// Reassembles the frames read from <paramref name="frames"/> until it completes, as an async stream with one
    /// <see cref="ReassemblyOutput"/> per frame (the consumer disposes each; see <see cref="ReassemblyResult"/>).
    /// </summary>
    /// <remarks>
    /// <para>With one lane (<see cref="ReassemblyOptions.Workers"/> = 1) the frames are processed on the enumerating
    /// thread's continuations, and outputs come in input order. With N lanes, one task classifies and steers the
    /// frames, N tasks reassemble at once, and outputs come in input order per lane (all fragments of a datagram and
    /// every frame of one source share a lane), interleaved between lanes; what is reassembled is the same as with
    /// one lane. Backpressure: the stages are bounded, so a slow consumer slows the reading of
    /// <paramref name="frames"/>.</para>
    /// <para>One stream at a time per reassembler, and no <see cref="Process(ReadOnlySpan{byte}, LinkType, long, int)"/>
    /// meanwhile. When the input completes the stream ends without expiring anything: call <see cref="ExpireAll"/>
    /// afterwards if nothing more will come. When the consumer stops early (break, cancellation, an exception), the
    /// lanes stop and every output not yet read is disposed. An exception from a lane (e.g. thrown by the anomaly
    /// sink) or from the input channel ends the stream with that exception.</para>
    /// </remarks>
    /// <param name="frames">The frames, in capture order. Their bytes must stay unchanged until their output is read.</param>
    /// <param name="cancellationToken">Stops the stream (the enumeration throws <see cref="OperationCanceledException"/>).</param>
    /// <exception cref="InvalidOperationException">Another stream is running on this reassembler (thrown when enumeration starts).</exception>
    public IAsyncEnumerable<ReassemblyOutput> ReassembleAsync(ChannelReader<InputFrame> frames, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(frames);
        return _lanes.Length == 1 ? OneLaneAsync(frames, cancellationToken) : ManyLanesAsync(frames, cancellationToken);
    }

    private async IAsyncEnumerable<ReassemblyOutput> OneLaneAsync(ChannelReader<InputFrame> frames, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        BeginStream();
        try
        {
            while (await frames.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (frames.TryRead(out InputFrame frame))
                {
                    yield return new ReassemblyOutput(frame, Process(frame.Data.Span, frame.LinkType, frame.TimestampNanoseconds, frame.InterfaceId));
                }
            }
        }
        finally
        {
            EndStream();
        }
    }

    private async IAsyncEnumerable<ReassemblyOutput> ManyLanesAsync(ChannelReader<InputFrame> frames, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        BeginStream();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Channel<ReassemblyOutput> output = Channel.CreateBounded<ReassemblyOutput>(
            new BoundedChannelOptions(OutputCapacity) { SingleReader = true, SingleWriter = false, FullMode = BoundedChannelFullMode.Wait });
        var laneInputs = new Channel<LaneItem>[_lanes.Length];
        var laneTasks = new Task[_lanes.Length];
        for (int i = 0; i < _lanes.Length; i++)
        {
            laneInputs[i] = Channel.CreateBounded<LaneItem>(
                new BoundedChannelOptions(LaneCapacity) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
            ReassemblerLane lane = _lanes[i];
            ChannelReader<LaneItem> laneInput = laneInputs[i].Reader;
            laneTasks[i] = Task.Run(() => RunLaneAsync(lane, laneInput, output.Writer, stop), CancellationToken.None);
        }

        Task dispatch = Task.Run(() => DispatchAsync(frames, laneInputs, stop), CancellationToken.None);
        Task finished = CompleteWhenDoneAsync(dispatch, laneTasks, output.Writer, cancellationToken);
        try
        {
            while (await output.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (output.Reader.TryRead(out ReassemblyOutput item))
                {
                    yield return item;
                }
            }

            await finished.ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await finished.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            while (output.Reader.TryRead(out ReassemblyOutput unread))
            {
                unread.Dispose();
            }

            EndStream();
        }
    }

    /// <summary>Classifies and steers, in input order; the only writer of <see cref="_clock"/> and <see cref="_frameIndex"/> while a stream runs.</summary>
    private async Task DispatchAsync(ChannelReader<InputFrame> frames, Channel<LaneItem>[] lanes, CancellationTokenSource stop)
    {
        Exception? error = null;
        try
        {
            int sinceTick = 0;
            while (await frames.WaitToReadAsync(stop.Token).ConfigureAwait(false))
            {
                while (frames.TryRead(out InputFrame frame))
                {
                    LaneItem item = Steer(frame, out int lane);
                    ChannelWriter<LaneItem> writer = lanes[lane].Writer;
                    if (!writer.TryWrite(item))
                    {
                        await writer.WriteAsync(item, stop.Token).ConfigureAwait(false);
                    }

                    if (++sinceTick == TickInterval)
                    {
                        sinceTick = 0;
                        await TickAllAsync(lanes, stop.Token).ConfigureAwait(false);
                    }
                }
            }

            // The input's last clock reaches every lane before its channel completes: a queue whose deadline the input
            // passed expires by time, as it would on one thread, and not later in ExpireAll as if the input had ended
            // first (which would change ReasmTimeout's timing and IcmpTimeExceeded).
            await TickAllAsync(lanes, stop.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            error = e;
            await stop.CancelAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            foreach (Channel<LaneItem> lane in lanes)
            {
                lane.Writer.TryComplete(error);
            }
        }
    }

    /// <summary>
    /// Sends the clock to every lane. Never dropped, even for a full lane: the frames queued there carry older clocks,
    /// and when a lane expires its queues must depend on the input alone, not on how full its channel happened to be.
    /// </summary>
    private async ValueTask TickAllAsync(Channel<LaneItem>[] lanes, CancellationToken cancellationToken)
    {
        var tick = new LaneItem(default, default, _clock, isTick: true);
        foreach (Channel<LaneItem> lane in lanes)
        {
            if (!lane.Writer.TryWrite(tick))
            {
                await lane.Writer.WriteAsync(tick, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private LaneItem Steer(InputFrame frame, out int lane)
    {
        if (frame.TimestampNanoseconds > _clock)
        {
            _clock = frame.TimestampNanoseconds;
        }

        _engine.Classify(frame.Data.Span, frame.LinkType, frame.InterfaceId, _frameIndex++, out ClassifiedFrame classified);
        lane = LaneFor(in classified);
        return new LaneItem(frame, classified, _clock, isTick: false);
    }

    private static async Task RunLaneAsync(ReassemblerLane lane, ChannelReader<LaneItem> input, ChannelWriter<ReassemblyOutput> output, CancellationTokenSource stop)
    {
        try
        {
            while (await input.WaitToReadAsync(stop.Token).ConfigureAwait(false))
            {
                while (input.TryRead(out LaneItem item))
                {
                    if (item.IsTick)
                    {
                        lane.AdvanceClock(item.Clock);
                        continue;
                    }

                    var produced = new ReassemblyOutput(item.Frame, lane.Process(item.Frame.Data.Span, in item.Classified, item.Frame.TimestampNanoseconds, item.Clock));
                    if (!output.TryWrite(produced))
                    {
                        try
                        {
                            await output.WriteAsync(produced, stop.Token).ConfigureAwait(false);
                        }
                        catch
                        {
                            produced.Dispose();
                            throw;
                        }
                    }
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The other stages may be blocked on this lane's full input or on the output: wake them.
            await stop.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Completes the output once every stage is done, with the first real failure (a cancellation only if nothing failed).</summary>
    private static async Task CompleteWhenDoneAsync(Task dispatch, Task[] lanes, ChannelWriter<ReassemblyOutput> output, CancellationToken cancellationToken)
    {
        Exception? failure = null;
        bool canceled = false;
        foreach (Task stage in (Task[])[dispatch, .. lanes])
        {
            try
            {
                await stage.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                canceled = true;
            }
            catch (Exception e)
            {
                failure ??= e;
            }
        }

        if (failure is null && canceled)
        {
            failure = new OperationCanceledException(cancellationToken);
        }

        output.TryComplete(failure);
    }

    /// <summary>A frame on its way to a lane (or, with <see cref="IsTick"/>, only the clock).</summary>
    private readonly struct LaneItem
    {
        public readonly InputFrame Frame;
        public readonly ClassifiedFrame Classified;
        public readonly long Clock;
        public readonly bool IsTick;

        public LaneItem(InputFrame frame, ClassifiedFrame classified, long clock, bool isTick)
        {
            Frame = frame;
            Classified = classified;
            Clock = clock;
            IsTick = isTick;
        }
    }
}
