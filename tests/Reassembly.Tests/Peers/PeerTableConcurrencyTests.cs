using System.Diagnostics;
using Reassembly.Peers;
using Xunit.Abstractions;

namespace Reassembly.Tests.Peers;

/// <summary>
/// Lock-free readers against writers that insert, release and collect, so that rotations run under the readers'
/// feet. Bounded in time and in iterations; every worker's exception fails the test.
/// </summary>
public sealed class PeerTableConcurrencyTests
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(3);
    private const int MaxWriterRounds = 2_000_000;
    private const int PinnedCount = 256;
    private const int ChurnCount = 4096;

    private readonly ITestOutputHelper _output;

    public PeerTableConcurrencyTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Fact]
    public void LookupsFindEveryPinnedPeerAndNeverAWrongOneWhileWritersRebalance()
    {
        int seed = Environment.TickCount;
        _output.WriteLine($"seed {seed}");
        using var table = new PeerTable(new PeerTableOptions { Threshold = ChurnCount / 2, IdleTimeToLive = TimeSpan.FromTicks(1) });

        // Pinned peers are referenced for the whole test, so a lookup for one must always succeed: a miss would mean
        // the seqlock let a reader believe a walk that a rotation had misled.
        PeerKey[] pinnedKeys = new PeerKey[PinnedCount];
        for (int i = 0; i < PinnedCount; i++)
        {
            pinnedKeys[i] = TestPeerKeys.Make(i * 17);
            table.GetOrCreate(pinnedKeys[i], 0);
        }

        var churnKeys = new PeerKey[ChurnCount];
        for (int i = 0; i < ChurnCount; i++)
        {
            churnKeys[i] = TestPeerKeys.Make((i * 17) + 1 + (i % 16));
        }

        var stop = new CancellationTokenSource();
        long lookups = 0;
        long churnHits = 0;
        long writerRounds = 0;
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();

        void Reader(int id)
        {
            var random = new Random(seed + id);
            long mine = 0;
            long hits = 0;
            while (!stop.IsCancellationRequested)
            {
                for (int i = 0; i < 1024; i++)
                {
                    PeerKey pinned = pinnedKeys[random.Next(PinnedCount)];
                    Peer? found = table.Lookup(pinned);
                    if (found is null || found.Key != pinned)
                    {
                        throw new InvalidOperationException($"pinned {pinned} looked up as {found?.Key.ToString() ?? "nothing"}");
                    }

                    PeerKey churn = churnKeys[random.Next(ChurnCount)];
                    Peer? maybe = table.Lookup(churn);
                    if (maybe is not null)
                    {
                        hits++;
                        if (maybe.Key != churn)
                        {
                            throw new InvalidOperationException($"{churn} looked up as {maybe.Key}");
                        }
                    }
                }

                mine += 2048;
            }

            Interlocked.Add(ref lookups, mine);
            Interlocked.Add(ref churnHits, hits);
        }

        void Writer(int id)
        {
            var random = new Random(seed - id);
            var held = new Queue<Peer>();
            long clock = 0;
            int rounds = 0;
            while (!stop.IsCancellationRequested && rounds < MaxWriterRounds / 2)
            {
                clock += 10;
                PeerKey key = churnKeys[random.Next(ChurnCount)];
                Peer peer = table.GetOrCreate(key, clock);
                if (peer.Key != key)
                {
                    throw new InvalidOperationException($"GetOrCreate({key}) gave {peer.Key}");
                }

                held.Enqueue(peer);
                if (held.Count > 64)
                {
                    table.Release(held.Dequeue(), clock);
                }

                if (random.Next(64) == 0)
                {
                    table.Collect(clock);
                }

                rounds++;
            }

            while (held.Count > 0)
            {
                table.Release(held.Dequeue(), clock);
            }

            Interlocked.Add(ref writerRounds, rounds);
        }

        Thread Start(Action<int> body, int id)
        {
            var thread = new Thread(() =>
            {
                try
                {
                    body(id);
                }
                catch (Exception exception)
                {
                    failures.Enqueue(exception);
                    stop.Cancel();
                }
            }) { IsBackground = true };
            thread.Start();
            return thread;
        }

        var stopwatch = Stopwatch.StartNew();
        Thread[] threads = [Start(Reader, 1), Start(Reader, 2), Start(Writer, 1), Start(Writer, 2)];
        stop.CancelAfter(Duration);
        foreach (Thread thread in threads)
        {
            Assert.True(thread.Join(Duration + TimeSpan.FromSeconds(20)), "a worker did not finish: a reader or writer is looping");
        }

        _output.WriteLine($"{lookups} lookups ({churnHits} churn hits), {writerRounds} writer rounds in {stopwatch.Elapsed.TotalSeconds:F1} s");
        Assert.Empty(failures);
        Assert.True(lookups > 0 && writerRounds > 0, "the workers did no work");
        table.AssertInvariants();

        // Everything the writers held is released: only the pinned peers survive a final collection.
        table.Collect(long.MaxValue / 2);
        Assert.Equal(PinnedCount, table.Count);
        table.AssertInvariants();
    }
}
