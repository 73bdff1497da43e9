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

    public void OnFrame(in CaptureFrame frame)
    {
        ReadOnlySpan<byte> data = frame.Data;
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

        _frames[Count++] = new StoredFrame(_chunks.Count - 1, _used, data.Length, frame.LinkType, frame.TimestampNanoseconds, frame.InterfaceId);
        _used += data.Length;
        Bytes += data.Length;
    }

    /// <summary>
    /// Steers every frame to a worker as a NIC's RSS would, ahead of time: per worker, the indexes of its frames in input
    /// order and each frame's clock (the largest timestamp up to it).
    /// </summary>
    public WorkerShare[] Steer(ReassemblyEngine engine)
    {
        int workers = engine.WorkerCount;
        var indexes = new List<int>[workers];
        var clocks = new List<long>[workers];
        for (int w = 0; w < workers; w++)
        {
            indexes[w] = [];
            clocks[w] = [];
        }

        long clock = long.MinValue;
        for (int i = 0; i < Count; i++)
        {
            ref readonly StoredFrame frame = ref _frames[i];
            clock = Math.Max(clock, frame.TimestampNanoseconds);
            ClassifiedFrame classified = engine.Classify(Data(in frame), frame.LinkType, frame.InterfaceId);
            int w = (int)(classified.SteeringHash % (uint)workers);
            indexes[w].Add(i);
            clocks[w].Add(clock);
        }

        var shares = new WorkerShare[workers];
        for (int w = 0; w < workers; w++)
        {
            shares[w] = new WorkerShare([.. indexes[w]], [.. clocks[w]]);
        }

        return shares;
    }

    /// <summary>Runs one worker's share of the frames through it, disposing each datagram at once.</summary>
    public void Process(ReassemblyEngine engine, ReassemblyWorker worker, WorkerShare share)
    {
        List<byte[]> chunks = _chunks;
        StoredFrame[] frames = _frames;
        int[] indexes = share.Indexes;
        long[] clocks = share.Clocks;
        for (int k = 0; k < indexes.Length; k++)
        {
            ref readonly StoredFrame frame = ref frames[indexes[k]];
            ReadOnlySpan<byte> data = chunks[frame.Chunk].AsSpan(frame.Offset, frame.Length);
            engine.Classify(data, frame.LinkType, frame.InterfaceId, -1, out ClassifiedFrame classified);
            FrameResult result = worker.Process(data, in classified, frame.TimestampNanoseconds, clocks[k]);
            result.Datagram?.Dispose();
        }
    }

    private ReadOnlySpan<byte> Data(in StoredFrame frame) => _chunks[frame.Chunk].AsSpan(frame.Offset, frame.Length);

    /// <summary>One worker's frames: indexes into the store, in input order, and the clock at each.</summary>
    public sealed record WorkerShare(int[] Indexes, long[] Clocks);

    private readonly record struct StoredFrame(int Chunk, int Offset, int Length, LinkType LinkType, long TimestampNanoseconds, int InterfaceId);
}
