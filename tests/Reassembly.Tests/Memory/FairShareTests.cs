using Reassembly.Memory;
using Xunit.Abstractions;

namespace Reassembly.Tests.Memory;

public sealed class FairShareTests
{
    private const long Floor = 256 * 1024;

    private readonly ITestOutputHelper _output;

    public FairShareTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void FloodingPeerIsOverItsShareAndTheQuietOnesAreNot()
    {
        long flooder = 3_900_000;
        long quiet = 70_000;
        long total = flooder + (3 * quiet);

        Assert.True(FairShare.IsOverShare(flooder, total, 4, Floor));
        Assert.False(FairShare.IsOverShare(quiet, total, 4, Floor));
        Assert.Equal(flooder - (total / 4), FairShare.ExcessBytes(flooder, total, 4, Floor));
        Assert.Equal(0, FairShare.ExcessBytes(quiet, total, 4, Floor));
    }

    [Fact]
    public void PeerAloneIsNeverOverItsShare()
    {
        Assert.False(FairShare.IsOverShare(4_000_000, 4_000_000, 1, 0));
        Assert.False(FairShare.IsOverShare(4_000_000, 4_000_000, 0, 0));
    }

    [Fact]
    public void PeersWithEqualUsageAreNoneOverTheirShare()
    {
        Assert.False(FairShare.IsOverShare(1_000_000, 4_000_000, 4, 0));
    }

    [Fact]
    public void PeerBelowTheFloorIsNeverOverItsShareHoweverManyPeersThereAre()
    {
        // Thousands of spoofed sources with one queue each: age, not share, must decide.
        Assert.False(FairShare.IsOverShare(9_208, 4_000_000, 5000, Floor));
        Assert.True(FairShare.IsOverShare(9_208, 4_000_000, 5000, 0));
        Assert.Equal(Floor, FairShare.ShareBytes(4_000_000, 5000, Floor));
    }

    [Fact]
    public void NotEveryPeerIsOverItsShareAndTheLargestIsOverUnlessUsageIsEven()
    {
        int seed = Environment.TickCount;
        _output.WriteLine($"seed: {seed}");
        var random = new Random(seed);
        for (int sample = 0; sample < 5000; sample++)
        {
            int peers = random.Next(1, 50);
            var usage = new long[peers];
            for (int i = 0; i < peers; i++)
            {
                usage[i] = random.Next(3) == 0 ? random.NextInt64(1, 4_000_000) : random.Next(1, 100_000);
            }

            long total = usage.Sum();
            long floor = random.Next(2) == 0 ? 0 : random.Next(1, 300_000);
            int over = usage.Count(u => FairShare.IsOverShare(u, total, peers, floor));
            long largest = usage.Max();

            Assert.True(over <= peers - 1, $"{over} of {peers} peers over their share");
            bool largestOver = FairShare.IsOverShare(largest, total, peers, floor);
            Assert.Equal(largest > Math.Max(total / peers, floor), largestOver);
            if (largest > floor && usage.Any(u => u != largest) && largest * peers > total + peers)
            {
                Assert.True(largestOver, $"largest {largest} of {total} among {peers} is not over its share");
            }

            Assert.All(usage, u => Assert.Equal(FairShare.IsOverShare(u, total, peers, floor), FairShare.ExcessBytes(u, total, peers, floor) > 0));
        }
    }
}
