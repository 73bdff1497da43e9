using Reassembly.Capture;

namespace Reassembly.Host.Replay.Parallel;

/// <summary>Where a parallel replay's writer thread puts each frame's result, in input order.</summary>
internal interface IReplayOutput
{
    /// <summary>
    /// Writes what one input frame became: the frame itself (passed through), a reassembled datagram (not disposed
    /// here), or nothing.
    /// </summary>
    void Write(in FrameResult result, int interfaceId, long timestampNanoseconds, ReadOnlySpan<byte> frame, int originalLength, IReadOnlyList<CaptureInterface> interfaces);
}
