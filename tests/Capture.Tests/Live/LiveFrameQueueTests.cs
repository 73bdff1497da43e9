using System.Threading.Tasks;
using Reassembly.Capture.Live;
using Reassembly.Tests.Helpers;

namespace Reassembly.Capture.Tests.Live;

/// <summary>The hand-off between capture threads and the reassembly thread: bounded, counted drops, no allocation once warm.</summary>
public sealed class LiveFrameQueueTests
{
    [Fact]
    public void TryEnqueue_refuses_a_frame_when_every_slot_is_taken_and_accepts_again_once_one_is_returned()
    {
        var queue = new LiveFrameQueue(2);
        byte[] data = [1, 2, 3];
        Assert.True(queue.TryEnqueue(data, 3, 10, 0, LinkType.Ethernet));
        Assert.True(queue.TryEnqueue(data, 3, 11, 0, LinkType.Ethernet));
        Assert.False(queue.TryEnqueue(data, 3, 12, 0, LinkType.Ethernet));

        Assert.True(queue.TryTake(out LiveFrame? first));
        Assert.Equal(10, first.TimestampNanoseconds);
        queue.Return(first);
        Assert.True(queue.TryEnqueue(data, 3, 13, 1, LinkType.Raw));
        Assert.True(queue.TryTake(out LiveFrame? second));
        Assert.Equal(11, second.TimestampNanoseconds);
        Assert.True(queue.TryTake(out LiveFrame? third));
        Assert.Equal((13, 1, LinkType.Raw), (third.TimestampNanoseconds, third.InterfaceId, third.LinkType));
        Assert.False(queue.TryTake(out _));
    }

    [Fact]
    public void A_frame_keeps_its_bytes_and_lengths_and_a_slot_grows_for_a_larger_frame()
    {
        var queue = new LiveFrameQueue(1);
        byte[] large = new byte[9000];
        Random.Shared.NextBytes(large);
        Assert.True(queue.TryEnqueue(large, 65000, 1, 0, LinkType.Ethernet));
        Assert.True(queue.TryTake(out LiveFrame? frame));
        Assert.Equal(large, frame.Data.ToArray());
        Assert.Equal(65000, frame.OriginalLength);
        queue.Return(frame);

        Assert.True(queue.TryEnqueue(large.AsSpan(0, 60), 60, 2, 0, LinkType.Ethernet));
        Assert.True(queue.TryTake(out LiveFrame? small));
        Assert.Same(frame, small);
        Assert.Equal(large[..60], small.Data.ToArray());
        Assert.Equal(60, small.OriginalLength);
    }

    [Fact]
    public void Enqueue_take_and_return_allocate_nothing_once_the_slots_are_warm()
    {
        var queue = new LiveFrameQueue(64);
        byte[] data = new byte[1514];
        for (int i = 0; i < 1000; i++)
        {
            Cycle(queue, data);
        }

        long allocated = AllocationProbe.FewestBytes(_ =>
        {
            for (int i = 0; i < 100_000; i++)
            {
                Cycle(queue, data);
            }
        });

        Assert.Equal(0, allocated);
    }

    [Fact]
    public async Task After_Complete_the_consumer_drains_what_was_queued_and_WaitAsync_then_returns_false()
    {
        var queue = new LiveFrameQueue(4);
        Assert.True(queue.TryEnqueue([1], 1, 1, 0, LinkType.Ethernet));
        queue.Complete();
        Assert.False(queue.TryEnqueue([2], 1, 2, 0, LinkType.Ethernet));
        Assert.True(await queue.WaitAsync(System.Threading.CancellationToken.None));
        Assert.True(queue.TryTake(out LiveFrame? frame));
        queue.Return(frame);
        Assert.False(await queue.WaitAsync(System.Threading.CancellationToken.None));
    }

    private static void Cycle(LiveFrameQueue queue, byte[] data)
    {
        Assert.True(queue.TryEnqueue(data, data.Length, 1, 0, LinkType.Ethernet));
        Assert.True(queue.TryTake(out LiveFrame? frame));
        queue.Return(frame);
    }
}
