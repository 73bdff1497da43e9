namespace Reassembly.Tests.Helpers;

/// <summary>Assertions shared by the tests that compare a parallel or streaming run with one thread's.</summary>
internal static class SameOutput
{
    /// <summary>The same datagrams at the same input positions, byte for byte; every failure names the seed.</summary>
    public static void Datagrams(int seed, Dictionary<int, byte[]> expected, Dictionary<int, byte[]> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach ((int index, byte[] frame) in expected)
        {
            Assert.True(frame.AsSpan().SequenceEqual(actual[index]), $"seed {seed}: frame {index} differs");
        }
    }

    /// <summary>The same per-family counters and frame count.</summary>
    public static void Statistics(ReassemblyStatistics expected, ReassemblyStatistics actual)
    {
        Assert.Equal(expected.Ipv4, actual.Ipv4);
        Assert.Equal(expected.Ipv6, actual.Ipv6);
        Assert.Equal(expected.Frames, actual.Frames);
    }
}
