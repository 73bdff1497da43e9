using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Reassembly.Capture;

namespace Reassembly.Host.Replay.Parallel;

/// <summary>
/// A run of consecutive input frames on their way through a parallel replay: their bytes, their classification and
/// clock, which worker handles each, and what each worker made of them.
/// </summary>
/// <remarks>
/// A frame's bytes are either referenced where they are, when the reader says they outlive the callback (a
/// memory-mapped capture, <see cref="CaptureFileReader.IsStable"/>), or copied into the segment's own pinned buffer,
/// which is the case for a pipe-read capture whose buffers are reused as soon as the callback returns. Both are kept as
/// an address and a length, so a worker reads either kind the same way; the mapping outlives every segment because
/// the reader is disposed only after the pipeline has been shut down.
/// </remarks>
/// <remarks>
/// Ownership moves with the segment: the reader fills it, then every worker reads it and writes the results of its
/// own frames (disjoint slots), then the reader, which is also the writer, emits it in order and fills it again. The
/// hand-overs are hand-off releases (HandOff: a lock-protected counter), which order every write before it against every
/// read after it.
/// </remarks>
internal sealed unsafe class FrameSegment
{
    public FrameSegment(int frameCapacity, int byteCapacity, int workers)
    {
        Bytes = GC.AllocateUninitializedArray<byte>(byteCapacity, pinned: true);
        Addresses = new nint[frameCapacity];
        Lengths = new int[frameCapacity];
        OriginalLengths = new int[frameCapacity];
        InterfaceIds = new int[frameCapacity];
        Timestamps = new long[frameCapacity];
        Clocks = new long[frameCapacity];
        Classified = new ClassifiedFrame[frameCapacity];
        WorkerOf = new int[frameCapacity];
        SlotOf = new int[frameCapacity];
        WorkerResults = new FrameResult[workers][];
        WorkerFrames = new int[workers][];
        WorkerCounts = new int[workers];
        Events = new List<AnomalyEvent>[workers];
        for (int w = 0; w < workers; w++)
        {
            WorkerFrames[w] = new int[frameCapacity];
            WorkerResults[w] = new FrameResult[frameCapacity];
            Events[w] = [];
        }
    }

    public byte[] Bytes { get; private set; }

    public int BytesUsed { get; private set; }

    public int Count { get; private set; }

    /// <summary>Where frame i's bytes are: in <see cref="Bytes"/> (pinned) or in the reader's mapping.</summary>
    public nint[] Addresses { get; }

    public int[] Lengths { get; }

    public int[] OriginalLengths { get; }

    public int[] InterfaceIds { get; }

    public long[] Timestamps { get; }

    public long[] Clocks { get; }

    public ClassifiedFrame[] Classified { get; }

    /// <summary>Which worker handles frame i, and its position k in that worker's list.</summary>
    public int[] WorkerOf { get; }

    public int[] SlotOf { get; }

    /// <summary>
    /// Per worker, the result of its k-th frame. One array per worker, not one shared array indexed by frame: adjacent
    /// frames go to different workers, and their results would share cache lines that the cores then bounce.
    /// </summary>
    public FrameResult[][] WorkerResults { get; }

    /// <summary>The result of frame <paramref name="index"/>, once every worker is done with the segment.</summary>
    public ref FrameResult ResultOf(int index) => ref WorkerResults[WorkerOf[index]][SlotOf[index]];

    /// <summary>Per worker, the indexes (into this segment) of the frames it handles, in input order.</summary>
    public int[][] WorkerFrames { get; }

    public int[] WorkerCounts { get; }

    /// <summary>Per worker, the anomalies it reported while on this segment (see <see cref="OrderedAnomalySink"/>).</summary>
    public List<AnomalyEvent>[] Events { get; }

    /// <summary>The input index of the segment's first frame.</summary>
    public long BaseIndex { get; set; }

    /// <summary>Worker threads that have not yet finished this segment; the one that takes it to 0 hands it back to the reader, which writes it.</summary>
    public int Pending;

    public bool IsFull => Count == Addresses.Length;

    /// <summary>
    /// Whether one more frame of <paramref name="length"/> bytes may join. Referenced frames count too, so that the
    /// ring keeps as little of a mapped input in flight as of a copied one (and within the mapping's resident window).
    /// </summary>
    public bool Fits(int length) => FrameBytes + length <= Bytes.Length;

    /// <summary>The bytes of every frame in the segment, copied or referenced.</summary>
    public int FrameBytes { get; private set; }

    /// <summary>
    /// Adds one frame and returns its index: by reference when <paramref name="stable"/> (its bytes outlive the
    /// callback), else copied in, for which the caller has checked <see cref="Fits"/> (or the segment is empty).
    /// </summary>
    public int Add(in CaptureFrame frame, long clock, bool stable)
    {
        ReadOnlySpan<byte> data = frame.Data;
        int index = Count++;
        if (stable)
        {
            Addresses[index] = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(data));
        }
        else
        {
            if (BytesUsed == 0 && data.Length > Bytes.Length)
            {
                // A frame larger than a whole segment (jumbo frames of a snap length above 512 KiB): rare enough to allocate.
                Bytes = GC.AllocateUninitializedArray<byte>(data.Length, pinned: true);
            }

            Span<byte> destination = Bytes.AsSpan(BytesUsed, data.Length);
            data.CopyTo(destination);
            Addresses[index] = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(destination));
            BytesUsed += data.Length;
        }

        Lengths[index] = data.Length;
        FrameBytes += data.Length;
        OriginalLengths[index] = frame.OriginalLength;
        InterfaceIds[index] = frame.InterfaceId;
        Timestamps[index] = frame.TimestampNanoseconds;
        Clocks[index] = clock;
        return index;
    }

    public ReadOnlySpan<byte> Frame(int index) => new((void*)Addresses[index], Lengths[index]);

    public void Assign(int index, int worker)
    {
        int slot = WorkerCounts[worker]++;
        WorkerFrames[worker][slot] = index;
        WorkerOf[index] = worker;
        SlotOf[index] = slot;
    }

    public void Clear()
    {
        for (int w = 0; w < WorkerResults.Length; w++)
        {
            Array.Clear(WorkerResults[w], 0, WorkerCounts[w]);
        }

        Array.Clear(WorkerCounts);
        foreach (List<AnomalyEvent> events in Events)
        {
            events.Clear();
        }

        Count = 0;
        BytesUsed = 0;
        FrameBytes = 0;
    }
}
