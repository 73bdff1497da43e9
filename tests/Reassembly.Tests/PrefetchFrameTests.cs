namespace Reassembly.Tests;

public sealed class PrefetchFrameTests
{
    [Fact]
    public void Prefetching_any_slice_of_a_frame_leaves_its_bytes_as_they_were()
    {
        byte[] frame = new byte[3000];
        new Random(4).NextBytes(frame);
        byte[] copy = (byte[])frame.Clone();

        // Empty, one byte, unaligned starts and ends, across and within cache lines.
        ReassemblyEngine.PrefetchFrame([]);
        for (int start = 0; start < 130; start += 13)
        {
            for (int length = 0; start + length <= frame.Length; length = (length * 3) + 1)
            {
                ReassemblyEngine.PrefetchFrame(frame.AsSpan(start, length));
            }
        }

        Assert.Equal(copy, frame);
    }
}
