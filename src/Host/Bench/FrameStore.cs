using Reassembly.Capture;

namespace Reassembly.Host.Bench;

/// <summary>
/// A capture's frames held in memory, packed back to back in 64 MiB chunks (one array cannot exceed 2 GiB, and a
/// million-datagram workload does), so a benchmark pass reads frames without touching the disk.
/// </summary>
internal sealed class FrameStore : ICaptureFrameHandler
{
    private const int ChunkSize = 64 * 1024 * 1024;

    private readonly List<byte[]> _chunks = [];
    private StoredFrame[] _frames = new StoredFrame[1024];
    private int _used = ChunkSize;

    public int Count { get; private set; }

    public long Bytes { get; private set; }

    public void OnFrame(in CaptureFrame frame) => Add(frame.Data, frame.LinkType, frame.TimestampNanoseconds, frame.InterfaceId);

    private void Add(ReadOnlySpan<byte> data, LinkType linkType, long timestampNanoseconds, int interfaceId)
    {
        if (_used + data.Length > ChunkSize)
        {
            _chunks.Add(GC.AllocateUninitializedArray<byte>(Math.Max(ChunkSize, data.Length)));
            _used = 0;
        }

        data.CopyTo(_chunks[^1].AsSpan(_used));
        if (Count == _frames.Length)
        {
            Array.Resize(ref _frames, _frames.Length * 2);
        }

        _frames[Count++] = new StoredFrame(_chunks.Count - 1, _used, data.Length, linkType, timestampNanoseconds, interfaceId);
        _used += data.Length;
        Bytes += data.Length;
    }

    /// <summary>
    /// Steers every frame to a worker as a NIC's RSS would, ahead of time: per worker, its frames in input order, copied
    /// back to back into a store of its own (as an RSS queue's ring holds only its own packets, so each worker streams
    /// through contiguous memory instead of striding across everyone's), and each frame's clock (the largest timestamp
    /// in the whole input up to it). One worker keeps this store as it is. With several, this store is emptied.
    /// </summary>
    public WorkerShare[] Steer(ReassemblyEngine engine)
    {
        int workers = engine.WorkerCount;
        var stores = new FrameStore[workers];
        var clocks = new List<long>[workers];
        for (int w = 0; w < workers; w++)
        {
            stores[w] = workers == 1 ? this : new FrameStore();
            clocks[w] = [];
        }

        long clock = long.MinValue;
        for (int i = 0; i < Count; i++)
        {
            ref readonly StoredFrame frame = ref _frames[i];
            clock = Math.Max(clock, frame.TimestampNanoseconds);
            ClassifiedFrame classified = engine.Classify(Data(in frame), frame.LinkType, frame.InterfaceId);
            int w = (int)(classified.SteeringHash % (uint)workers);
            if (workers > 1)
            {
                stores[w].Add(Data(in frame), frame.LinkType, frame.TimestampNanoseconds, frame.InterfaceId);
            }

            clocks[w].Add(clock);
        }

        if (workers > 1)
        {
            // Every frame lives in its worker's store now: give the copy back to the GC.
            _chunks.Clear();
            _frames = [];
            Count = 0;
        }

        var shares = new WorkerShare[workers];
        for (int w = 0; w < workers; w++)
        {
            shares[w] = new WorkerShare(stores[w], [.. clocks[w]]);
        }

        return shares;
    }

    /// <summary>How many frames ahead <see cref="Process(ReassemblyEngine, ReassemblyWorker, long[], int, int)"/> prefetches (<see cref="ReassemblyEngine.PrefetchFrame"/>), as a capture loop over a ring would.</summary>
    internal const int PrefetchDistance = 3;

    /// <summary>Runs every frame of this store (one worker's share) through the worker, disposing each datagram at once.</summary>

    public void Process(ReassemblyEngine engine, ReassemblyWorker worker, long[] clocks) => Process(engine, worker, clocks, 0, Count);

    /// <summary>Runs frames <paramref name="from"/> up to (not including) <paramref name="to"/> of this store through the worker, as <see cref="Process(ReassemblyEngine, ReassemblyWorker, long[])"/>.</summary>
    public void Process(ReassemblyEngine engine, ReassemblyWorker worker, long[] clocks, int from, int to)
    {
        List<byte[]> chunks = _chunks;
        StoredFrame[] frames = _frames;
        for (int k = from; k < to; k++)
        {
            ref readonly StoredFrame frame = ref frames[k];
            ReadOnlySpan<byte> data = chunks[frame.Chunk].AsSpan(frame.Offset, frame.Length);
            if (k + PrefetchDistance < Count)
            {
                ref readonly StoredFrame ahead = ref frames[k + PrefetchDistance];
                ReassemblyEngine.PrefetchFrame(chunks[ahead.Chunk].AsSpan(ahead.Offset, ahead.Length));
            }

            engine.Classify(data, frame.LinkType, frame.InterfaceId, -1, out ClassifiedFrame classified);
            FrameResult result = worker.Process(data, in classified, frame.TimestampNanoseconds, clocks[k]);
            result.Datagram?.Dispose();
        }
    }

    private ReadOnlySpan<byte> Data(in StoredFrame frame) => _chunks[frame.Chunk].AsSpan(frame.Offset, frame.Length);

    /// <summary>One worker's frames, in input order in a store of their own, and the clock at each.</summary>
    public sealed record WorkerShare(FrameStore Frames, long[] Clocks);

    private readonly record struct StoredFrame(int Chunk, int Offset, int Length, LinkType LinkType, long TimestampNanoseconds, int InterfaceId);
}
