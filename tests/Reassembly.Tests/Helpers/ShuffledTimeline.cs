namespace Reassembly.Tests.Helpers;

/// <summary>Turns a list of frames into a capture-like timeline: locally reordered, with jittered timestamps.</summary>
internal static class ShuffledTimeline
{
    /// <summary>
    /// Swaps each frame with one up to <paramref name="reorderWindow"/> - 1 places later, then stamps the frames 0-20 µs
    /// apart, each up to 5 µs early (timestamps that go back a little, as captures from several queues do). Draws
    /// from <paramref name="random"/> in a fixed order, so a seed replays the same timeline.
    /// </summary>
    public static List<(byte[] Frame, long Timestamp)> Create(List<byte[]> frames, Random random, int reorderWindow)
    {
        for (int i = 0; i < frames.Count; i++)
        {
            int j = Math.Min(frames.Count - 1, i + random.Next(reorderWindow));
            (frames[i], frames[j]) = (frames[j], frames[i]);
        }

        var timed = new List<(byte[], long)>(frames.Count);
        long time = 1_000_000_000;
        foreach (byte[] frame in frames)
        {
            time += random.Next(20_000);
            timed.Add((frame, time - random.Next(5_000)));
        }

        return timed;
    }
}
