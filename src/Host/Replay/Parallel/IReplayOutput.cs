using Reassembly.Capture;

namespace Reassembly.Host.Replay.Parallel;

/// <summary>Where a parallel replay puts each frame's result, in input order (on the reader's thread, which also writes).</summary>
internal interface IReplayOutput
{
    /// <summary>
    /// Writes what one input frame became: the frame itself (passed through), a reassembled datagram (not disposed
    /// here), or nothing.
    /// </summary>
    void Write(in FrameResult result, int interfaceId, long timestampNanoseconds, ReadOnlySpan<byte> frame, int originalLength, IReadOnlyList<CaptureInterface> interfaces);
}
