using System.Diagnostics;
using Reassembly.Concurrency;
using Reassembly.Peers;
using Reassembly.Tests.Concurrency.Helpers;
using Xunit.Abstractions;

namespace Reassembly.Tests.Peers;

/// <summary>
/// Lock-free readers against writers that insert, release and collect, so that rotations run under the readers'
/// feet and removed nodes are recycled while readers hold read scopes. Bounded in time and in iterations; every
/// worker's exception fails the test.
/// </summary>
public sealed class PeerTableConcurrencyTests
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(3);
    private const int MaxWriterRounds = 2_000_000;
    private const int PinnedCount = 256;
    private const int ChurnCount = 4096;
    private const int ReaderBatch = 128;

    private readonly ITestOutputHelper _output;

    public PeerTableConcurrencyTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Fact]
    public void LookupsNeverSeeAWrongOrRecycledPeerAndAlwaysFindPinnedOnesWhileWritersRebalanceAndCollect()
    {
        int seed = Environment.TickCount;
        _output.WriteLine($"seed {seed}");
        using var epochs = new EpochDomain();
        using var table = new PeerTable(new PeerTableOptions { Threshold = ChurnCount / 2, IdleTimeToLive = TimeSpan.FromTicks(1) }, epochs);

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
            var seen = new (Peer Peer, PeerKey Key, int Generation)[ReaderBatch];
            long mine = 0;
            long hits = 0;
            while (!stop.IsCancellationRequested)
            {
                int count = 0;
                using (epochs.EnterRead())
                {
                    for (int i = 0; i < ReaderBatch / 2; i++)
                    {
                        PeerKey pinned = pinnedKeys[random.Next(PinnedCount)];
                        Peer? found = table.Lookup(pinned);
                        if (found is null || found.Key != pinned)
                        {
                            throw new InvalidOperationException($"pinned {pinned} looked up as {found?.Key.ToString() ?? "nothing"}");
                        }

                        seen[count++] = (found, pinned, found.Generation);
                        PeerKey churn = churnKeys[random.Next(ChurnCount)];
                        Peer? maybe = table.Lookup(churn);
                        if (maybe is not null)
                        {
                            hits++;
                            seen[count++] = (maybe, churn, maybe.Generation);
                        }
                    }

                    // Still inside the scope: none of these may have been recycled, whether or not it was removed
                    // since (poison-on-free; a changed generation catches a node recycled and revived meanwhile).
                    for (int i = 0; i < count; i++)
                    {
                        (Peer peer, PeerKey key, int generation) = seen[i];
                        if (peer.IsReclaimed || peer.Generation != generation || peer.Key != key)
                        {
                            throw new InvalidOperationException(
                                $"{key} was recycled inside a read scope (now {peer.Key}, reclaimed {peer.IsReclaimed})");
                        }
                    }
                }

                mine += ReaderBatch;
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

                if (id == 1 && rounds % 8192 == 0)
                {
                    // Mid-run, under the lock, while the other writer and the readers keep going.
                    table.AssertInvariants();
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
        Thread[] threads = [Start(Reader, 1), Start(Reader, 2), Start(Reader, 3), Start(Writer, 1), Start(Writer, 2)];
        stop.CancelAfter(Duration);
        foreach (Thread thread in threads)
        {
            Assert.True(thread.Join(Duration + TimeSpan.FromSeconds(20)), "a worker did not finish: a reader or writer is looping");
        }

        _output.WriteLine(
            $"{lookups} lookups ({churnHits} churn hits), {writerRounds} writer rounds, {table.ReclaimedCount} reclaimed, "
            + $"{table.ReusedCount} reused in {stopwatch.Elapsed.TotalSeconds:F1} s");
        Assert.Empty(failures);
        Assert.True(lookups > 0 && writerRounds > 0, "the workers did no work");

        // An inconclusive run is not a pass: nodes must actually have been recycled while the readers ran.
        Assert.True(table.ReusedCount > 0, "no node was recycled, so the poison check proved nothing");
        table.AssertInvariants();

        // Everything the writers held is released: only the pinned peers survive a final collection.
        table.Collect(long.MaxValue / 2);
        Assert.Equal(PinnedCount, table.Count);
        table.AssertInvariants();
    }

    [Fact]
    public void ARemovedPeerIsRecycledOnlyAfterEveryReaderThatCouldSeeItHasLeft()
    {
        using var epochs = new EpochDomain();
        using var table = new PeerTable(new PeerTableOptions { IdleTimeToLive = TimeSpan.Zero }, epochs);
        PeerKey key = TestPeerKeys.Make(1);
        Peer peer = table.GetOrCreate(key, 0);
        Peer? seenByReader = null;
        using var reader = new ParkedReaderThread(epochs, () => seenByReader = table.Lookup(key));
        Assert.Same(peer, seenByReader);

        table.Release(peer, 1);
        Assert.Equal(1, table.Collect(2));
        epochs.Poll(force: true);
        Assert.Null(table.Lookup(key));

        // The parked reader found the peer inside a scope that is still open: it must not have been recycled.
        Assert.False(peer.IsReclaimed);
        Assert.Equal(0, table.ReclaimedCount);

        reader.Release();
        epochs.Synchronize();
        Assert.True(peer.IsReclaimed);
        Assert.Equal(1, table.ReclaimedCount);

        // The next insertion gets the same node back, revived, as a new life with a new key.
        PeerKey other = TestPeerKeys.Make(2);
        Peer reused = table.GetOrCreate(other, 3);
        Assert.Same(peer, reused);
        Assert.False(reused.IsReclaimed);
        Assert.Equal(other, reused.Key);
        Assert.Equal(1, reused.Generation);
        Assert.Equal(1, reused.NextFragmentSequence());
        table.AssertInvariants();
    }

    [Fact]
    public void ThreadsCreatingTheSameKeysAtOnceGetOnePeerPerKey()
    {
        int seed = Environment.TickCount;
        _output.WriteLine($"seed {seed}");
        const int Threads = 3;
        const int Keys = 2000;
        using var epochs = new EpochDomain();
        using var table = new PeerTable(new PeerTableOptions { Threshold = Keys * 2 }, epochs);
        PeerKey[] keys = TestPeerKeys.Many(Keys);
        var results = new Peer[Threads][];
        using var start = new Barrier(Threads);
        var threads = new Thread[Threads];
        for (int t = 0; t < Threads; t++)
        {
            int id = t;
            threads[t] = new Thread(() =>
            {
                int[] order = new int[Keys];
                for (int i = 0; i < Keys; i++)
                {
                    order[i] = i;
                }

                new Random(seed + id).Shuffle(order);
                var mine = new Peer[Keys];
                start.SignalAndWait();
                foreach (int index in order)
                {
                    mine[index] = table.GetOrCreate(keys[index], id);
                }

                results[id] = mine;
            }) { IsBackground = true };
            threads[t].Start();
        }

        foreach (Thread thread in threads)
        {
            Assert.True(thread.Join(TimeSpan.FromSeconds(30)), "a creating thread did not finish");
        }

        Assert.Equal(Keys, table.Count);
        for (int i = 0; i < Keys; i++)
        {
            Peer first = results[0][i];
            Assert.Equal(keys[i], first.Key);
            for (int t = 1; t < Threads; t++)
            {
                Assert.Same(first, results[t][i]);
            }

            Assert.Equal(Threads, first.ReferenceCount);
        }

        table.AssertInvariants();
        foreach (Peer[] mine in results)
        {
            foreach (Peer peer in mine)
            {
                table.Release(peer, 10);
            }
        }

        Assert.Equal(Keys, table.IdleKeysLeastRecentFirst().Count);
        table.AssertInvariants();
    }
}
