using Reassembly.Tests.Helpers;

namespace Reassembly.Tests.Api;

public sealed class ReassemblerTests
{
    private static readonly byte[] Data = PacketBuilder.Payload(3000, 5);

    [Fact]
    public void Process_reports_held_then_reassembled_with_the_whole_datagram_when_the_last_fragment_arrives()
    {
        using var reassembler = Reassembler.Create();
        List<byte[]> fragments = Ipv4Fragments(Data, 0x42);

        for (int i = 0; i < fragments.Count - 1; i++)
        {
            using ReassemblyResult held = reassembler.Process(fragments[i], LinkType.Ethernet, 1_000 + i);
            Assert.Equal(ReassemblyStatus.Held, held.Status);
            Assert.False(held.IsReassembled);
            Assert.False(held.ForwardsFrame);
        }

        using ReassemblyResult result = reassembler.Process(fragments[^1], LinkType.Ethernet, 2_000);
        Assert.Equal(ReassemblyStatus.Reassembled, result.Status);
        Assert.True(result.IsReassembled);
        Assert.Equal(PacketBuilder.Ipv4Whole(Data, 0x42), result.Datagram.Packet.ToArray());
        Assert.Equal(2_000, result.Datagram.TimestampNanoseconds);
        Assert.Equal(fragments.Count, result.Datagram.FragmentCount);
    }

    [Fact]
    public void Process_passes_through_whole_packets_and_other_protocols_and_flags_malformed_frames()
    {
        using var reassembler = Reassembler.Create();

        ReassemblyResult whole = reassembler.Process(PacketBuilder.Ethernet(0x0800, PacketBuilder.Ipv4Whole(Data.AsSpan(0, 100))), LinkType.Ethernet, 1);
        ReassemblyResult arp = reassembler.Process(PacketBuilder.Ethernet(0x0806, new byte[28]), LinkType.Ethernet, 2);
        ReassemblyResult cutShort = reassembler.Process(PacketBuilder.Ethernet(0x0800, new byte[12]), LinkType.Ethernet, 3);
        ReassemblyResult noLinkHeader = reassembler.Process(new byte[5], LinkType.Ethernet, 4);

        Assert.Equal(ReassemblyStatus.PassedThrough, whole.Status);
        Assert.Equal(ReassemblyStatus.PassedThrough, arp.Status);
        Assert.Equal(ReassemblyStatus.Malformed, cutShort.Status);
        Assert.Equal(ReassemblyStatus.Malformed, noLinkHeader.Status);
        ReassemblyResult[] all = [whole, arp, cutShort, noLinkHeader];
        Assert.All(all, r => Assert.True(r.ForwardsFrame));
        Assert.All(all, r => Assert.Null(r.Datagram));
        ReassemblyStatistics statistics = reassembler.GetStatistics();
        Assert.Equal(4, statistics.Frames);
        Assert.Equal(1, statistics.Ipv4.NotFragmented);
    }

    [Fact]
    public void Process_reports_dropped_for_a_fragment_whose_non_final_length_is_not_a_multiple_of_8()
    {
        using var reassembler = Reassembler.Create();

        using ReassemblyResult result = reassembler.Process(PacketBuilder.Ethernet(0x0800, PacketBuilder.Ipv4(Data.AsSpan(0, 100), 0, true)), LinkType.Ethernet, 1);

        Assert.Equal(ReassemblyStatus.Dropped, result.Status);
        Assert.Equal(1, reassembler.GetStatistics().Ipv4.ReasmFails);
    }

    [Fact]
    public void Disposing_a_result_twice_or_a_copy_of_it_returns_the_buffer_once_and_leaves_a_later_datagram_alone()
    {
        using var reassembler = Reassembler.Create();
        ReassemblyResult first = Complete(reassembler, Ipv4Fragments(Data, 1), 0);
        ReassemblyResult copy = first;

        first.Dispose();
        first.Dispose();

        // The pool hands the same instance out again; the stale copies must neither dispose nor show it.
        ReassemblyResult second = Complete(reassembler, Ipv4Fragments(Data, 2), 10_000);
        Assert.Same(second.Datagram, first.Instance);
        copy.Dispose();
        first.Dispose();

        Assert.Equal(PacketBuilder.Ipv4Whole(Data, 2), second.Datagram!.Packet.ToArray());
        Assert.Throws<ObjectDisposedException>(() => first.Datagram);
        Assert.Throws<ObjectDisposedException>(() => copy.Datagram);
        second.Dispose();
        Assert.Throws<ObjectDisposedException>(() => second.Datagram);
    }

    [Fact]
    public void Disposing_the_datagram_itself_ends_the_results_ownership_too()
    {
        using var reassembler = Reassembler.Create();
        ReassemblyResult result = Complete(reassembler, Ipv4Fragments(Data, 3), 0);
        ReassembledDatagram datagram = result.Datagram!;

        datagram.Dispose();
        result.Dispose();

        Assert.Throws<ObjectDisposedException>(() => result.Datagram);
        Assert.Throws<ObjectDisposedException>(() => datagram.Frame.Length);
    }

    [Fact]
    public void Process_with_a_DateTimeOffset_stamps_the_datagram_in_Unix_nanoseconds()
    {
        using var reassembler = Reassembler.Create();
        var second = new DateTimeOffset(2026, 12, 1, 20, 0, 0, TimeSpan.Zero);
        DateTimeOffset at = second.AddTicks(12345);
        List<byte[]> fragments = Ipv4Fragments(Data, 4);
        foreach (byte[] fragment in fragments[..^1])
        {
            reassembler.Process(fragment, LinkType.Ethernet, at).Dispose();
        }

        using ReassemblyResult result = reassembler.Process(fragments[^1], LinkType.Ethernet, at);

        Assert.Equal((second.ToUnixTimeSeconds() * 1_000_000_000) + (12345 * 100), result.Datagram!.TimestampNanoseconds);
    }

    [Fact]
    public void ExpireAll_counts_what_is_left_as_timeouts_and_Reset_forgets_everything()
    {
        using var reassembler = Reassembler.Create();
        reassembler.Process(Ipv4Fragments(Data, 5)[0], LinkType.Ethernet, 1).Dispose();
        Assert.Equal(1, reassembler.QueuesInUse);

        reassembler.ExpireAll();
        Assert.Equal(0, reassembler.QueuesInUse);
        Assert.Equal(1, reassembler.GetStatistics().Ipv4.ReasmTimeout);

        reassembler.Reset();
        Assert.Equal(0, reassembler.GetStatistics().Frames);
    }

    [Fact]
    public void Process_gives_the_same_datagrams_and_counters_as_the_engine_it_wraps()
    {
        int seed = Environment.TickCount;
        List<(byte[] Frame, long Timestamp)> frames = ApiWorkload.Create(new Random(seed));
        using var reassembler = Reassembler.Create(ApiWorkload.Options());
        using var engine = ReassemblyEngine.Create(ApiWorkload.Options());

        int reassembled = 0;
        foreach ((byte[] frame, long timestamp) in frames)
        {
            using ReassemblyResult mine = reassembler.Process(frame, LinkType.Ethernet, timestamp);
            FrameResult theirs = engine.Process(frame, LinkType.Ethernet, timestamp);
            using (theirs.Datagram)
            {
                Assert.Equal(theirs.Datagram is not null, mine.IsReassembled);
                if (mine.IsReassembled)
                {
                    reassembled++;
                    Assert.True(mine.Datagram.Frame.SequenceEqual(theirs.Datagram!.Frame), $"seed {seed}");
                }
            }
        }

        Assert.True(reassembled > 100, $"seed {seed}: {reassembled} reassembled");
        Assert.Equal(engine.GetStatistics().Ipv4, reassembler.GetStatistics().Ipv4);
        Assert.Equal(engine.GetStatistics().Ipv6, reassembler.GetStatistics().Ipv6);
    }

    internal static List<byte[]> Ipv4Fragments(byte[] data, ushort id)
    {
        var frames = new List<byte[]>();
        foreach ((int offset, byte[] piece, bool more) in PacketBuilder.Split(data, 1480))
        {
            frames.Add(PacketBuilder.Ethernet(0x0800, PacketBuilder.Ipv4(piece, offset, more, id)));
        }

        return frames;
    }

    private static ReassemblyResult Complete(Reassembler reassembler, List<byte[]> fragments, long time)
    {
        ReassemblyResult result = default;
        foreach (byte[] fragment in fragments)
        {
            result = reassembler.Process(fragment, LinkType.Ethernet, time++);
        }

        Assert.Equal(ReassemblyStatus.Reassembled, result.Status);
        return result;
    }
}
