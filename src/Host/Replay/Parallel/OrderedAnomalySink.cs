namespace Reassembly.Host.Replay.Parallel;

/// <summary>
/// Puts the anomaly events of a parallel replay in the order one thread would have reported them, then hands them to
/// the real sink, on the writing (reader's) thread only.
/// </summary>
/// <remarks>
/// <para>Workers report into the event list of the segment they are working on (<see cref="SetBatch"/>, a
/// thread-static), so no lock is taken. When the writer takes a segment it sorts the segment's events by input
/// position: an event of frame i sits at i; a timeout sits at the first frame of the segment whose clock reached its
/// deadline (the event carries the deadline as its timestamp), ahead of that frame's own events, IPv4 before IPv6, in
/// deadline and then creation order, which is exactly the order of one worker's expiry lists. Each worker moves its
/// clock to the segment's last clock when done with it, so a timeout always lands in the segment where the input's
/// clock passed its deadline.</para>
/// <para>Events reported outside any segment (the end-of-input expiry, on the reader's thread) are sorted the same
/// way and emitted by <see cref="EmitUnbatched"/>.</para>
/// </remarks>
internal sealed class OrderedAnomalySink : IAnomalySink
{
    [ThreadStatic]
    private static List<AnomalyEvent>? t_batch;

    private readonly IAnomalySink _destination;
    private readonly List<AnomalyEvent> _unbatched = [];
    private readonly List<(long Position, int Phase, int Family, long Time, long Created, int Sequence, AnomalyEvent Event)> _scratch = [];

    public OrderedAnomalySink(IAnomalySink destination)
    {
        _destination = destination;
    }

    /// <summary>On a worker thread: where its next events go (null: none).</summary>
    public static void SetBatch(List<AnomalyEvent>? batch) => t_batch = batch;

    public void OnAnomaly(in AnomalyEvent anomaly) => (t_batch ?? _unbatched).Add(anomaly);

    /// <summary>On the writing (reader's) thread: emits the events of a segment whose frames start at input index <paramref name="baseIndex"/>.</summary>
    public void EmitSegment(FrameSegment segment, long baseIndex)
    {
        _scratch.Clear();
        int sequence = 0;
        foreach (List<AnomalyEvent> events in segment.Events)
        {
            foreach (AnomalyEvent anomaly in events)
            {
                if (anomaly.Kind == AnomalyKind.Timeout)
                {
                    int position = FirstClockReaching(segment, anomaly.TimestampNanoseconds);
                    AnomalyEvent placed = anomaly with { FrameIndex = baseIndex + position };
                    _scratch.Add((position, 0, (int)anomaly.Family, anomaly.TimestampNanoseconds, anomaly.OtherFrameIndex, sequence++, placed));
                }
                else
                {
                    _scratch.Add((anomaly.FrameIndex - baseIndex, 1, 0, 0, 0, sequence++, anomaly));
                }
            }

            events.Clear();
        }

        Emit();
    }

    /// <summary>After the last segment: emits what was reported outside the segments (the end-of-input expiry).</summary>
    public void EmitUnbatched()
    {
        _scratch.Clear();
        int sequence = 0;
        foreach (AnomalyEvent anomaly in _unbatched)
        {
            _scratch.Add((long.MaxValue, anomaly.Kind == AnomalyKind.Timeout ? 0 : 1, (int)anomaly.Family, anomaly.TimestampNanoseconds, anomaly.OtherFrameIndex, sequence++, anomaly));
        }

        _unbatched.Clear();
        Emit();
    }

    private void Emit()
    {
        _scratch.Sort(static (a, b) =>
        {
            int order = a.Position.CompareTo(b.Position);
            if (order == 0)
            {
                order = a.Phase.CompareTo(b.Phase);
            }

            if (order == 0)
            {
                order = a.Family.CompareTo(b.Family);
            }

            if (order == 0)
            {
                order = a.Time.CompareTo(b.Time);
            }

            if (order == 0)
            {
                order = a.Created.CompareTo(b.Created);
            }

            return order != 0 ? order : a.Sequence.CompareTo(b.Sequence);
        });
        foreach ((_, _, _, _, _, _, AnomalyEvent anomaly) in _scratch)
        {
            _destination.OnAnomaly(in anomaly);
        }
    }

    private static int FirstClockReaching(FrameSegment segment, long deadline)
    {
        int low = 0;
        int high = segment.Count;
        while (low < high)
        {
            int middle = (low + high) >>> 1;
            if (segment.Clocks[middle] >= deadline)
            {
                high = middle;
            }
            else
            {
                low = middle + 1;
            }
        }

        return low;
    }
}
