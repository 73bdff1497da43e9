using Reassembly.Tests.Helpers;
using Xunit.Abstractions;

namespace Reassembly.Tests.Timers;

/// <summary>
/// The worker's timer wheel expires exactly what, and in the order, the per-family deadline lists it replaced did: at
/// each clock step every queue whose deadline the clock reached, IPv4 before IPv6, each family by deadline and then
/// by arm order. A reference model (a plain list) states that order; a random workload with ties, completions and
/// shortened and lengthened timeouts compares the two.
/// </summary>
public sealed class WorkerExpiryOrderTests
{
    private const long Millisecond = 1_000_000;
    private const long Second = 1_000_000_000;
    private static readonly byte[] Data = PacketBuilder.Payload(32);

    private readonly ITestOutputHelper _output;

    public WorkerExpiryOrderTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void Expiry_order_equals_the_reference_lists_for_a_random_workload_with_timeout_changes()
    {
        int seed = Environment.TickCount;
        _output.WriteLine($"seed: {seed}");
        for (int round = 0; round < 4; round++)
        {
            RunWorkload(new Random(seed + round), steps: 3000);
        }
    }

    [Fact]
    public void A_queue_expires_exactly_when_the_clock_reaches_its_deadline_and_not_a_nanosecond_before()
    {
        var sink = new RecordingSink();
        var harness = new EngineHarness(new ReassemblyOptions { Ipv4Timeout = TimeSpan.FromSeconds(30), AnomalySink = sink, Ipv4MaxDistance = 0 });
        long start = harness.Clock;
        harness.Feed(PacketBuilder.Ethernet(0x0800, PacketBuilder.Ipv4(Data[..16], 0, true, id: 1)), timestamp: start);
        harness.Feed(PacketBuilder.Ethernet(0x0800, PacketBuilder.Ipv4Whole(Data, id: 9)), timestamp: start + (30 * Second) - 1);
        Assert.Empty(sink.OfKind(AnomalyKind.Timeout));

        harness.Feed(PacketBuilder.Ethernet(0x0800, PacketBuilder.Ipv4Whole(Data, id: 9)), timestamp: start + (30 * Second));
        AnomalyEvent timeout = Assert.Single(sink.OfKind(AnomalyKind.Timeout));
        Assert.Equal(start + (30 * Second), timeout.TimestampNanoseconds);
    }

    [Fact]
    public void AdvanceClock_without_a_frame_reads_the_TimeProvider_and_expires_a_queue_once_its_timeout_has_passed()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
        var sink = new RecordingSink();
        var harness = new EngineHarness(new ReassemblyOptions { Ipv4Timeout = TimeSpan.FromSeconds(30), AnomalySink = sink, TimeProvider = time });
        long now = (time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100;
        harness.Feed(PacketBuilder.Ethernet(0x0800, PacketBuilder.Ipv4(Data[..16], 0, true, id: 1)), timestamp: now);
        ReassemblyWorker worker = harness.Engine.GetWorker(0);

        time.Advance(TimeSpan.FromSeconds(29));
        worker.AdvanceClock();
        Assert.Equal(1, worker.QueuesInUse);

        time.Advance(TimeSpan.FromSeconds(1));
        worker.AdvanceClock();
        Assert.Equal(0, worker.QueuesInUse);
        Assert.Equal(now + (30 * Second), Assert.Single(sink.OfKind(AnomalyKind.Timeout)).TimestampNanoseconds);
    }

    [Fact]
    public void AdvanceClock_without_a_frame_is_refused_when_the_engine_runs_on_packet_time_only()
    {
        var harness = new EngineHarness();
        Assert.Throws<InvalidOperationException>(() => harness.Engine.GetWorker(0).AdvanceClock());
    }

    private void RunWorkload(Random random, int steps)
    {
        var sink = new RecordingSink();
        TimeSpan ipv4Timeout = TimeSpan.FromSeconds(30);
        TimeSpan ipv6Timeout = TimeSpan.FromSeconds(60);
        var harness = new EngineHarness(new ReassemblyOptions
        {
            Ipv4Timeout = ipv4Timeout,
            Ipv6Timeout = ipv6Timeout,
            AnomalySink = sink,
            Ipv4MaxDistance = 0,
        });
        var live = new List<Armed>();
        var expected = new List<(IpFamily Family, uint Id, long Deadline)>();
        long clock = harness.Clock;
        long previousClock = long.MinValue;
        long sequence = 0;
        uint nextId = 1;

        for (int step = 0; step < steps; step++)
        {
            clock += random.Next(4) switch
            {
                0 => 0,
                1 => random.Next(1, 3),
                2 => random.Next(1, 2000) * Millisecond,
                _ => random.NextInt64(1, 40 * Second),
            };
            if (clock > previousClock)
            {
                ExpireModel(live, expected, clock);
                previousClock = clock;
            }

            int action = random.Next(10);
            if (action == 0)
            {
                // Shorter or longer timeouts: queues already armed keep their deadlines.
                ipv4Timeout = TimeSpan.FromMilliseconds(random.Next(1, 45_000));
                ipv6Timeout = TimeSpan.FromMilliseconds(random.Next(1, 70_000));
                harness.Engine.UpdateSettings(new ReassemblyOptions { Ipv4Timeout = ipv4Timeout, Ipv6Timeout = ipv6Timeout, AnomalySink = sink, Ipv4MaxDistance = 0 });

                // A whole datagram brings the engine's clock to the model's (expiry happens as a frame arrives).
                harness.Feed(PacketBuilder.Ethernet(0x0800, PacketBuilder.Ipv4Whole(Data)), timestamp: clock);
                continue;
            }

            if (action <= 3 && live.Count > 0 || live.Count >= 100)
            {
                // Completing a datagram cancels its timer.
                int index = random.Next(live.Count);
                Armed done = live[index];
                live.RemoveAt(index);
                byte[] last = done.Family == IpFamily.Ipv4
                    ? PacketBuilder.Ethernet(0x0800, PacketBuilder.Ipv4(Data[16..], 16, false, id: (ushort)done.Id))
                    : PacketBuilder.Ethernet(0x86DD, PacketBuilder.Ipv6Fragment(Data[16..], 16, false, id: done.Id));
                harness.Feed(last, timestamp: clock);
                continue;
            }

            IpFamily family = random.Next(2) == 0 ? IpFamily.Ipv4 : IpFamily.Ipv6;
            uint id = nextId++;
            byte[] first = family == IpFamily.Ipv4
                ? PacketBuilder.Ethernet(0x0800, PacketBuilder.Ipv4(Data[..16], 0, true, id: (ushort)id))
                : PacketBuilder.Ethernet(0x86DD, PacketBuilder.Ipv6Fragment(Data[..16], 0, true, id: id));
            harness.Feed(first, timestamp: clock);
            long timeout = (family == IpFamily.Ipv4 ? ipv4Timeout : ipv6Timeout).Ticks * 100;
            live.Add(new Armed(family, id, clock + timeout, ++sequence));
        }

        harness.Engine.ExpireAll();
        ExpireModel(live, expected, long.MaxValue);

        var actual = sink.OfKind(AnomalyKind.Timeout).Select(e => (e.Family, e.Identification, e.TimestampNanoseconds)).ToList();
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected, actual);
        Assert.True(expected.Count > 100, $"only {expected.Count} queues expired: the workload is too tame");
    }

    /// <summary>The old lists: per family (IPv4 first), every queue due by <paramref name="clock"/>, by deadline then arm order.</summary>
    private static void ExpireModel(List<Armed> live, List<(IpFamily, uint, long)> expected, long clock)
    {
        foreach (IpFamily family in (IpFamily[])[IpFamily.Ipv4, IpFamily.Ipv6])
        {
            List<Armed> due = live.FindAll(a => a.Family == family && a.Deadline <= clock);
            due.Sort((a, b) => a.Deadline != b.Deadline ? a.Deadline.CompareTo(b.Deadline) : a.Sequence.CompareTo(b.Sequence));
            foreach (Armed armed in due)
            {
                expected.Add((armed.Family, armed.Id, armed.Deadline));
                live.Remove(armed);
            }
        }
    }

    private sealed record Armed(IpFamily Family, uint Id, long Deadline, long Sequence);
}
