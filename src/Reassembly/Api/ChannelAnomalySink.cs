using System.Threading;
using System.Threading.Channels;

namespace Reassembly;

/// <summary>
/// An <see cref="IAnomalySink"/> that writes every anomaly into a channel, so that events can be consumed
/// asynchronously (<c>await foreach (AnomalyEvent e in reader.ReadAllAsync())</c>) away from the packet path.
/// </summary>
/// <remarks>
/// The packet path never waits: an event that does not fit (a bounded channel that is full, or a completed one) is
/// dropped and counted in <see cref="Dropped"/>, as a capture driver counts what it cannot queue. Use a bounded
/// channel (an unbounded one grows without limit under an attack that produces one event per fragment). Safe with
/// several lanes when the channel allows several writers (the default). <see cref="AnomalyEvent"/> is a plain value;
/// queuing one copies it and allocates nothing once the channel's buffer is warm.
/// </remarks>
public sealed class ChannelAnomalySink : IAnomalySink
{
    private readonly ChannelWriter<AnomalyEvent> _writer;
    private long _dropped;

    /// <summary>Creates a sink that writes to <paramref name="writer"/>.</summary>
    /// <param name="writer">The channel's writer; the sink never completes it.</param>
    public ChannelAnomalySink(ChannelWriter<AnomalyEvent> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        _writer = writer;
    }

    /// <summary>Events that could not be written (the channel was full or completed).</summary>
    public long Dropped => Volatile.Read(ref _dropped);

    /// <summary>Creates a sink over a new bounded channel of <paramref name="capacity"/> events, and returns the channel's reader.</summary>
    /// <param name="capacity">How many events may wait unread; defaults to 4096.</param>
    /// <param name="reader">The reader to consume the events from.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is not positive.</exception>
    public static ChannelAnomalySink CreateBounded(out ChannelReader<AnomalyEvent> reader, int capacity = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Channel<AnomalyEvent> channel = Channel.CreateBounded<AnomalyEvent>(
            new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        reader = channel.Reader;
        return new ChannelAnomalySink(channel.Writer);
    }

    /// <inheritdoc/>
    public void OnAnomaly(in AnomalyEvent anomaly)
    {
        if (!_writer.TryWrite(anomaly))
        {
            Interlocked.Increment(ref _dropped);
        }
    }
}
