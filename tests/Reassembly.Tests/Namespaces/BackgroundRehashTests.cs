using Reassembly.Concurrency;
using Reassembly.Core;
using Reassembly.Namespaces;
using Reassembly.Tests.Helpers;

namespace Reassembly.Tests.Namespaces;

/// <summary>A table left mid-rehash when its inserts and removals stop finishes the rehash as the clock moves on.</summary>
public sealed class BackgroundRehashTests
{
    private const long Second = 1_000_000_000;

    [Fact]
    public void An_idle_table_left_mid_rehash_finishes_it_within_seconds_of_clock_and_keeps_every_queue()
    {
        // One source sends all 300 datagrams: without the IP-ID distance rule, which would reset the early queues.
        var engine = ReassemblyEngine.Create(new ReassemblyOptions { Ipv4MaxDistance = 0 });
        byte[] data = PacketBuilder.Payload(64, seed: 9);
        const int Datagrams = 300;
        long now = 10 * Second;
        for (int id = 0; id < Datagrams; id++)
        {
            byte[] first = PacketBuilder.Ethernet(0x0800, PacketBuilder.Ipv4(data.AsSpan(0, 32), 0, moreFragments: true, id: (ushort)id));
            Assert.Equal(FrameDisposition.Held, engine.Process(first, LinkType.Ethernet, now).Disposition);
        }

        ReassemblyNamespace ns = Assert.Single(engine.Namespaces.Snapshot());
        RhashTable<FragmentKey, FragmentQueue> table = ns.Ipv4Table;

        // A resize to 64K buckets with nothing more arriving: only the background step can move the buckets.
        table.ForceRehash(1 << 16);
        Assert.True(table.IsRehashing);

        for (int second = 1; second <= 10 && table.IsRehashing; second++)
        {
            engine.GetWorker(0).AdvanceClock(now + (second * Second));
        }

        Assert.False(table.IsRehashing);
        Assert.Equal(1 << 16, table.OldestBucketCount);
        table.AssertInvariants();

        // Every held queue is still found: the second halves complete all of them.
        for (int id = 0; id < Datagrams; id++)
        {
            byte[] last = PacketBuilder.Ethernet(0x0800, PacketBuilder.Ipv4(data.AsSpan(32), 32, moreFragments: false, id: (ushort)id));
            FrameResult result = engine.Process(last, LinkType.Ethernet, now + (11 * Second));
            Assert.Equal(FrameDisposition.Reassembled, result.Disposition);
            result.Datagram!.Dispose();
        }

        Assert.Equal(Datagrams, engine.GetStatistics().Ipv4.ReasmOKs);
    }
}
