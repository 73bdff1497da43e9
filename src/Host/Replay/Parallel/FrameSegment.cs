using Reassembly.Capture;

namespace Reassembly.Host.Replay.Parallel;

/// <summary>
/// A run of consecutive input frames on their way through a parallel replay: their bytes (copied out of the reader's
/// buffer, which is reused as soon as the frame callback returns), their classification and clock, which worker
/// handles each, and what each worker made of them.
/// </summary>
/// <remarks>
/// Ownership moves with the segment: the reader fills it, then every worker reads it and writes the results of its
/// own frames (disjoint slots), then the writer emits it in order and hands it back to the reader. The hand-overs are
/// hand-off releases (HandOff: a lock-protected counter), which order every write before it against every read after it.
/// </remarks>
internal sealed class FrameSegment
{
    public FrameSegment(int frameCapacity, int byteCapacity, int workers)
    {
        Bytes = GC.AllocateUninitializedArray<byte>(byteCapacity);
        Offsets = new int[frameCapacity];
        Lengths = new int[frameCapacity];
        OriginalLengths = new int[frameCapacity];
        InterfaceIds = new int[frameCapacity];
        Timestamps = new long[frameCapacity];
        Clocks = new long[frameCapacity];
        Classified = new ClassifiedFrame[frameCapacity];
        Results = new FrameResult[frameCapacity];
        WorkerFrames = new int[workers][];
        WorkerCounts = new int[workers];
        Events = new List<AnomalyEvent>[workers];
        for (int w = 0; w < workers; w++)
        {
            WorkerFrames[w] = new int[frameCapacity];
            Events[w] = [];
        }
    }

    public byte[] Bytes { get; private set; }

    public int BytesUsed { get; private set; }

    public int Count { get; private set; }

    public int[] Offsets { get; }

    public int[] Lengths { get; }

    public int[] OriginalLengths { get; }

    public int[] InterfaceIds { get; }

    public long[] Timestamps { get; }

    public long[] Clocks { get; }

    public ClassifiedFrame[] Classified { get; }

    public FrameResult[] Results { get; }

    /// <summary>Per worker, the indexes (into this segment) of the frames it handles, in input order.</summary>
    public int[][] WorkerFrames { get; }

    public int[] WorkerCounts { get; }

    /// <summary>Per worker, the anomalies it reported while on this segment (see <see cref="OrderedAnomalySink"/>).</summary>
    public List<AnomalyEvent>[] Events { get; }

    /// <summary>The input index of the segment's first frame.</summary>
    public long BaseIndex { get; set; }

    /// <summary>Workers that have not yet finished this segment; the one that takes it to 0 hands it to the writer.</summary>
    public int Pending;

    public bool IsFull => Count == Offsets.Length;

    public bool Fits(int length) => BytesUsed + length <= Bytes.Length;

    /// <summary>Copies one frame in and returns its index; the caller has checked <see cref="Fits"/> (or the segment is empty).</summary>
    public int Add(in CaptureFrame frame, long clock)
    {
        ReadOnlySpan<byte> data = frame.Data;
        if (Count == 0 && data.Length > Bytes.Length)
        {
            // A frame larger than a whole segment (jumbo frames of a snap length above 4 MiB): rare enough to allocate.
            Bytes = GC.AllocateUninitializedArray<byte>(data.Length);
        }

        int index = Count++;
        data.CopyTo(Bytes.AsSpan(BytesUsed));
        Offsets[index] = BytesUsed;
        Lengths[index] = data.Length;
        OriginalLengths[index] = frame.OriginalLength;
        InterfaceIds[index] = frame.InterfaceId;
        Timestamps[index] = frame.TimestampNanoseconds;
        Clocks[index] = clock;
        BytesUsed += data.Length;
        return index;
    }

    public ReadOnlySpan<byte> Frame(int index) => Bytes.AsSpan(Offsets[index], Lengths[index]);

    public void Assign(int index, int worker) => WorkerFrames[worker][WorkerCounts[worker]++] = index;

    public void Clear()
    {
        Array.Clear(Results, 0, Count);
        Array.Clear(WorkerCounts);
        foreach (List<AnomalyEvent> events in Events)
        {
            events.Clear();
        }

        Count = 0;
        BytesUsed = 0;
    }
}
