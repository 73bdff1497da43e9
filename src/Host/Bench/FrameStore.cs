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

    /// <summary>Runs every frame through <paramref name="engine"/>, disposing each datagram at once.</summary>
    public void ProcessAll(ReassemblyEngine engine)
    {
        List<byte[]> chunks = _chunks;
        StoredFrame[] frames = _frames;
        for (int i = 0; i < Count; i++)
        {
            ref readonly StoredFrame frame = ref frames[i];
            ReadOnlySpan<byte> data = chunks[frame.Chunk].AsSpan(frame.Offset, frame.Length);
            FrameResult result = engine.Process(data, frame.LinkType, frame.TimestampNanoseconds, frame.InterfaceId);
            result.Datagram?.Dispose();
        }
    }

    private readonly record struct StoredFrame(int Chunk, int Offset, int Length, LinkType LinkType, long TimestampNanoseconds, int InterfaceId);
}
