using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Reassembly;

public sealed partial class ReassemblyEngine
{
    /// <summary>
    /// Asks the processor to bring <paramref name="frame"/>'s bytes into its caches: a hint for a caller that holds a
    /// run of frames, given for the frame it will pass to <c>Process</c> a few calls from now (DPDK's l3fwd prefetches
    /// the packets of a burst the same way).
    /// </summary>
    /// <remarks>
    /// Why it pays: a fragment's bytes are copied into its datagram's buffer, and a frame fresh from a capture ring or
    /// a file is in main memory, not in cache; the copy then waits on memory for most of its time. Issued three frames
    /// ahead, the loads overlap the work on the frames in between (measured on the w200k workload: the in-memory
    /// engine about 7 % faster, bench/README.md). A hint only: it never faults, changes no state, and does nothing on a
    /// processor without SSE.
    /// </remarks>
    /// <param name="frame">The frame's bytes; may be empty.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void PrefetchFrame(ReadOnlySpan<byte> frame)
    {
        if (!Sse.IsSupported || frame.IsEmpty)
        {
            return;
        }

        fixed (byte* start = frame)
        {
            byte* last = start + frame.Length - 1;
            for (byte* line = start; line < last; line += 64)
            {
                Sse.Prefetch0(line);
            }

            // The loop may stop short of the line holding the last byte when the frame does not start on a line.
            Sse.Prefetch0(last);
        }
    }
}
