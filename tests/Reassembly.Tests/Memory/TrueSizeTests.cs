using Reassembly.Core;
using Reassembly.Memory;
using Reassembly.Tests.Helpers;
using Reassembly.Timers;
using Xunit.Abstractions;

namespace Reassembly.Tests.Memory;

public sealed class TrueSizeTests
{
    private readonly ITestOutputHelper _output;

    public TrueSizeTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void QueueOverheadCoversWhatANewQueueAndItsTimerAllocate()
    {
        // Warm the types up, so that the measurement holds only the objects themselves.
        GC.KeepAlive(Create());
        long allocated = AllocationProbe.FewestBytes(_ => GC.KeepAlive(Create()));

        _output.WriteLine($"a new queue and its timer entry allocate {allocated} bytes");
        Assert.InRange(allocated, 1, TrueSize.QueueOverheadBytes);
    }

    [Fact]
    public void SixtyFourKibDatagramCostsAboutHalfOfLinuxsTruesize()
    {
        const int LinuxTruesize = 129_736;
        long ours = TrueSize.OfBuffer(DatagramBufferPool.LargestPayloadCapacity + DatagramBufferPool.Headroom)
            + TrueSize.QueueOverheadBytes + (45 * TrueSize.FragmentOverheadBytes);

        Assert.InRange(ours, DatagramBufferPool.LargestPayloadCapacity, LinuxTruesize);
        Assert.Equal(59, new MemoryLimits().HighThresholdBytes / ours);
    }

    private static object Create()
    {
        var queue = new FragmentQueue();
        return new TimerWheelEntry<FragmentQueue>(queue);
    }
}
