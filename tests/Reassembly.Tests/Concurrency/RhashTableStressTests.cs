using System.Diagnostics;
using Reassembly.Concurrency;
using Reassembly.Tests.Concurrency.Helpers;
using Xunit.Abstractions;

namespace Reassembly.Tests.Concurrency;

/// <summary>
/// Many threads through inserts, lookups, removals and forced resizes (grow and shrink), bounded by iterations and
/// about two seconds each. Every random choice comes from a seed printed at the start.
/// </summary>
public sealed class RhashTableStressTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a test that needs a minimum of work may run on a loaded machine (CI runs the test assemblies side by
    /// side): it stops once the budget has passed and the minimum is reached, so a slow run takes longer instead of
    /// ending inconclusive.
    /// </summary>
    private static readonly TimeSpan HardCap = TimeSpan.FromSeconds(30);
    private readonly ITestOutputHelper _output;

    public RhashTableStressTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Fact]
    public void NoEntryIsLostWhileThreadsInsertRemoveAndTheTableResizes()
    {
        int seed = Environment.TickCount;
        _output.WriteLine($"seed {seed}");
        var table = new RhashTable<TestKey, TestEntry>(initialBuckets: 8, minBuckets: 8);
        const int Stable = 2000;
        for (int i = 0; i < Stable; i++)
        {
            table.InsertIfAbsent(new TestEntry(i));
        }

        using var stop = new CancellationTokenSource();
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        long stableChecks = 0;
        int writers = 3;
        var threads = new List<Thread>();

        // Readers: a key inserted before the start and never removed must be found by every lookup.
        threads.Add(new Thread(() =>
        {
            var random = new Random(seed);
            while (!stop.IsCancellationRequested)
            {
                long key = random.Next(Stable);
                TestEntry? found = table.Lookup(new TestKey(key));
                if (found is null || found.Key.Value != key)
                {
                    failures.Enqueue($"stable key {key} not found");
                }

                stableChecks++;
            }
        }));

        // Writers: each owns a key range, so it knows exactly what must be there.
        long[] finalCounts = new long[writers];
        for (int w = 0; w < writers; w++)
        {
            int writer = w;
            threads.Add(new Thread(() =>
            {
                var random = new Random(seed + writer + 1);
                long first = 1_000_000L * (writer + 1);
                var present = new List<TestEntry>();
                for (int round = 0; round < 200_000 && !stop.IsCancellationRequested; round++)
                {
                    if (present.Count < 50 || random.Next(3) != 0)
                    {
                        var entry = new TestEntry(first + round);
                        if (table.InsertIfAbsent(entry) != entry)
                        {
                            failures.Enqueue($"fresh key {entry.Key.Value} reported present");
                        }

                        present.Add(entry);
                    }
                    else
                    {
                        int index = random.Next(present.Count);
                        TestEntry entry = present[index];
                        present[index] = present[^1];
                        present.RemoveAt(present.Count - 1);
                        if (!table.Remove(entry))
                        {
                            failures.Enqueue($"remove of present key {entry.Key.Value} failed");
                        }

                        if (table.Lookup(entry.Key) is not null)
                        {
                            failures.Enqueue($"removed key {entry.Key.Value} still found");
                        }
                    }

                    TestEntry probe = present[random.Next(present.Count)];
                    if (table.Lookup(probe.Key) != probe)
                    {
                        failures.Enqueue($"present key {probe.Key.Value} not found");
                    }

                    // Keep the writer's population swinging so that the table grows and shrinks.
                    if (present.Count > 3000)
                    {
                        foreach (TestEntry entry in present.Skip(50))
                        {
                            table.Remove(entry);
                        }

                        present.RemoveRange(50, present.Count - 50);
                    }
                }

                foreach (TestEntry entry in present)
                {
                    if (table.Lookup(entry.Key) != entry)
                    {
                        failures.Enqueue($"present key {entry.Key.Value} lost at the end");
                    }
                }

                finalCounts[writer] = present.Count;
            }));
        }

        // Resizer: forced rehashes of random sizes, and background steps.
        int forced = 0;
        threads.Add(new Thread(() =>
        {
            var random = new Random(seed - 1);
            while (!stop.IsCancellationRequested)
            {
                if (random.Next(4) == 0)
                {
                    table.ForceRehash(1 << random.Next(2, 14));
                    forced++;
                }
                else
                {
                    table.RehashStep(random.Next(1, 64));
                }

                Thread.Yield();
            }
        }));

        foreach (Thread thread in threads)
        {
            thread.IsBackground = true;
            thread.Start();
        }

        // The budget, extended (up to the hard cap) on a loaded machine until enough resizes have run.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < HardCap && (clock.Elapsed < Budget || table.TablesAttached <= 10))
        {
            Thread.Sleep(20);
        }

        stop.Cancel();
        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        table.CompleteRehash();
        _output.WriteLine($"stable checks {stableChecks}, forced rehashes {forced}, tables attached {table.TablesAttached}, final buckets {table.NewestBucketCount}");
        Assert.Empty(failures.Take(20));
        table.AssertInvariants();
        Assert.Equal(Stable + finalCounts.Sum(), table.Count);
        Assert.True(table.TablesAttached > 10, "Inconclusive: too few resizes ran during the stress.");
    }

    [Fact]
    public void ConcurrentInsertIfAbsentOfOneKeyHasExactlyOneWinner()
    {
        int seed = Environment.TickCount;
        _output.WriteLine($"seed {seed}");
        var table = new RhashTable<TestKey, TestEntry>(initialBuckets: 4, minBuckets: 4);
        const int Threads = 4;
        const int Keys = 256;
        var results = new TestEntry[Threads][];
        var candidates = new TestEntry[Threads][];
        for (int t = 0; t < Threads; t++)
        {
            results[t] = new TestEntry[Keys];
            candidates[t] = new TestEntry[Keys];
        }

        using var barrier = new Barrier(Threads + 1);
        bool running = true;
        var workers = new Thread[Threads];
        for (int t = 0; t < Threads; t++)
        {
            int me = t;
            workers[t] = new Thread(() =>
            {
                while (true)
                {
                    barrier.SignalAndWait(); // round starts
                    if (!Volatile.Read(ref running))
                    {
                        return;
                    }

                    for (int k = 0; k < Keys; k++)
                    {
                        results[me][k] = table.InsertIfAbsent(candidates[me][k]);
                    }

                    barrier.SignalAndWait(); // round done
                }
            })
            { IsBackground = true };
            workers[t].Start();
        }

        var random = new Random(seed);
        var clock = Stopwatch.StartNew();
        int rounds = 0;
        long keyBase = 0;
        while (rounds < 5000 && clock.Elapsed < HardCap && (clock.Elapsed < Budget || rounds <= 10))
        {
            for (int t = 0; t < Threads; t++)
            {
                for (int k = 0; k < Keys; k++)
                {
                    candidates[t][k] = new TestEntry(keyBase + k);
                }
            }

            barrier.SignalAndWait();
            if (random.Next(3) == 0)
            {
                table.ForceRehash(1 << random.Next(1, 10));
            }

            barrier.SignalAndWait();
            for (int k = 0; k < Keys; k++)
            {
                TestEntry winner = results[0][k];
                int wins = 0;
                for (int t = 0; t < Threads; t++)
                {
                    Assert.Same(winner, results[t][k]);
                    if (results[t][k] == candidates[t][k])
                    {
                        wins++;
                    }
                }

                Assert.Equal(1, wins);
                Assert.Same(winner, table.Lookup(new TestKey(keyBase + k)));
                Assert.True(table.Remove(winner));
            }

            keyBase += Keys;
            rounds++;
        }

        Volatile.Write(ref running, false);
        barrier.SignalAndWait();
        foreach (Thread worker in workers)
        {
            worker.Join();
        }

        _output.WriteLine($"rounds {rounds}, tables attached {table.TablesAttached}");
        Assert.Equal(0, table.Count);
        table.CompleteRehash();
        table.AssertInvariants();
        Assert.True(rounds > 10, "Inconclusive: too few rounds ran.");
    }

    /// <summary>
    /// Removals race rehashes between very different sizes, so that an entry's home often changes between the moment
    /// Remove reads it and the moment it holds the lock (and the index it read may not even exist in the table it read).
    /// </summary>
    [Fact]
    public void RemovalsRacingRehashesBetweenSmallAndLargeTablesAlwaysUnlinkTheirEntry()
    {
        int seed = Environment.TickCount;
        _output.WriteLine($"seed {seed}");
        var table = new RhashTable<TestKey, TestEntry>(initialBuckets: 4, minBuckets: 1);
        TestEntry[] entries = Enumerable.Range(0, 3000).Select(i => new TestEntry(i)).ToArray();
        const int MinimumCycles = 20;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        long failures = 0;
        long cycles = 0;
        Exception? crash = null;
        var remover = new Thread(() =>
        {
            try
            {
                while (clock.Elapsed < HardCap && (clock.Elapsed < Budget || cycles < MinimumCycles))
                {
                    foreach (TestEntry entry in entries)
                    {
                        table.InsertIfAbsent(entry);
                    }

                    foreach (TestEntry entry in entries)
                    {
                        if (!table.Remove(entry))
                        {
                            Interlocked.Increment(ref failures);
                        }
                    }

                    cycles++;
                }
            }
            catch (Exception e)
            {
                crash = e;
            }
            finally
            {
                stop.Cancel();
            }
        })
        { IsBackground = true };
        var resizer = new Thread(() =>
        {
            var random = new Random(seed);
            while (!stop.IsCancellationRequested)
            {
                table.ForceRehash(random.Next(2) == 0 ? 2 : 4096);
                table.RehashStep(random.Next(1, 256));
            }
        })
        { IsBackground = true };
        remover.Start();
        resizer.Start();
        remover.Join();
        resizer.Join();

        _output.WriteLine($"cycles {cycles}, tables attached {table.TablesAttached}");
        Assert.Null(crash);
        Assert.Equal(0, failures);
        table.CompleteRehash();
        table.AssertInvariants();
        Assert.True(cycles >= MinimumCycles, $"Inconclusive: only {cycles} cycles ran in {HardCap.TotalSeconds} s.");
    }

    /// <summary>
    /// Entries that share a chain with the keys being looked up are removed and at once inserted into another table
    /// (no grace period, so a reader may stand on one while its link changes to the other table's chain). A lookup must
    /// notice that the entry left its chain and restart, or it would skip the stable entries behind it.
    /// </summary>
    [Fact]
    public void LookupsNeverSkipEntriesBehindOneThatIsRelinkedIntoAnotherTable()
    {
        var a = new RhashTable<CollidingKey, CollidingEntry>(initialBuckets: 64, minBuckets: 64);
        var b = new RhashTable<CollidingKey, CollidingEntry>(initialBuckets: 64, minBuckets: 64);
        const int Stable = 6;
        var stable = new CollidingEntry[Stable];
        for (int i = 0; i < Stable; i++)
        {
            stable[i] = new CollidingEntry(i * 1024L);
            a.InsertIfAbsent(stable[i]);
        }

        // Bouncing entries collide with the stable ones (same bucket in both tables) and are linked in front of them.
        var bouncing = Enumerable.Range(Stable, 8).Select(i => new CollidingEntry(i * 1024L)).ToArray();
        using var stop = new CancellationTokenSource(Budget);
        long misses = 0;
        long lookups = 0;
        var reader = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                for (int i = 0; i < Stable; i++)
                {
                    if (a.Lookup(new CollidingKey(i * 1024L)) != stable[i])
                    {
                        Interlocked.Increment(ref misses);
                    }

                    lookups++;
                }
            }
        })
        { IsBackground = true };
        var writer = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (CollidingEntry entry in bouncing)
                {
                    if (a.Remove(entry))
                    {
                        b.InsertIfAbsent(entry);
                    }
                    else if (b.Remove(entry))
                    {
                        a.InsertIfAbsent(entry);
                    }
                    else
                    {
                        a.InsertIfAbsent(entry);
                    }
                }
            }
        })
        { IsBackground = true };
        reader.Start();
        writer.Start();
        reader.Join();
        writer.Join();

        _output.WriteLine($"lookups {lookups}, misses {misses}");
        Assert.Equal(0, misses);
        Assert.True(lookups > 1000, "Inconclusive: too few lookups ran.");
        a.AssertInvariants();
        b.AssertInvariants();
    }

    /// <summary>
    /// Entries are removed, retired to an epoch domain, poisoned and re-keyed by the reclaimer, and inserted again.
    /// Readers look up inside read scopes and must never see a poisoned entry or an entry with another key while they
    /// are inside. Conclusive only if readers held entries that were removed meanwhile.
    /// </summary>
    [Fact]
    public void NoReaderInsideAReadScopeSeesARecycledEntry()
    {
        int seed = Environment.TickCount;
        _output.WriteLine($"seed {seed}");
        using var domain = new EpochDomain();
        var table = new RhashTable<TestKey, TestEntry>(initialBuckets: 8, minBuckets: 8);
        var pool = new EntryPool();
        const int KeySpace = 512;
        using var stop = new CancellationTokenSource(Budget);
        long violations = 0;
        long heldWhileRemoved = 0;
        long hits = 0;
        var threads = new List<Thread>();
        for (int r = 0; r < 2; r++)
        {
            int reader = r;
            threads.Add(new Thread(() =>
            {
                var random = new Random(seed + 100 + reader);
                while (!stop.IsCancellationRequested)
                {
                    long key = random.Next(KeySpace);
                    using (domain.EnterRead())
                    {
                        TestEntry? entry = table.Lookup(new TestKey(key));
                        if (entry is null)
                        {
                            continue;
                        }

                        Interlocked.Increment(ref hits);
                        bool removed = false;
                        for (int spin = 0; spin < 100; spin++)
                        {
                            if (entry.IsPoisoned || entry.Key.Value != key)
                            {
                                Interlocked.Increment(ref violations);
                                break;
                            }

                            removed |= !entry.IsInTable;
                        }

                        if (removed)
                        {
                            Interlocked.Increment(ref heldWhileRemoved);
                        }
                    }
                }
            }));
        }

        long recycled = 0;
        for (int w = 0; w < 2; w++)
        {
            int writer = w;
            threads.Add(new Thread(() =>
            {
                var random = new Random(seed + writer);
                var mine = new List<TestEntry>();
                int operations = 0;
                while (!stop.IsCancellationRequested && operations++ < 2_000_000)
                {
                    // Writer w owns the keys k with k % 2 == w.
                    if (mine.Count < 100 || random.Next(2) == 0)
                    {
                        long key = (random.Next(KeySpace / 2) * 2) + writer;
                        TestEntry entry = pool.Take(key);
                        if (table.InsertIfAbsent(entry) == entry)
                        {
                            mine.Add(entry);
                        }
                        else
                        {
                            pool.Return(entry); // never published: no grace period needed
                        }
                    }
                    else
                    {
                        int index = random.Next(mine.Count);
                        TestEntry entry = mine[index];
                        mine[index] = mine[^1];
                        mine.RemoveAt(mine.Count - 1);
                        if (!table.Remove(entry))
                        {
                            Interlocked.Increment(ref violations);
                        }

                        domain.Retire(entry, pool);
                        Interlocked.Increment(ref recycled);
                    }

                    domain.Poll();
                }
            }));
        }

        threads.Add(new Thread(() =>
        {
            var random = new Random(seed - 1);
            while (!stop.IsCancellationRequested)
            {
                table.ForceRehash(1 << random.Next(2, 11));
                table.RehashStep(random.Next(1, 32));
                Thread.Sleep(1);
            }
        }));

        foreach (Thread thread in threads)
        {
            thread.IsBackground = true;
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        domain.Synchronize();
        _output.WriteLine($"hits {hits}, held while removed {heldWhileRemoved}, retired {recycled}, reclaimed {pool.Reclaimed}, tables attached {table.TablesAttached}, violations {violations}");
        Assert.Equal(0, violations);
        Assert.Equal(recycled, pool.Reclaimed);
        Assert.True(heldWhileRemoved > 0, "Inconclusive: no reader held an entry while it was removed.");
        table.CompleteRehash();
        table.AssertInvariants();
    }

    /// <summary>Recycles entries as the engine's queue pool will: poisoned on reclaim, re-keyed when taken.</summary>
    private sealed class EntryPool : IEpochReclaimer
    {
        private readonly Stack<TestEntry> _free = new();
        private long _reclaimed;

        public long Reclaimed => Interlocked.Read(ref _reclaimed);

        public TestEntry Take(long key)
        {
            TestEntry? entry;
            lock (_free)
            {
                _free.TryPop(out entry);
            }

            if (entry is null)
            {
                return new TestEntry(key);
            }

            entry.Reinitialize(key);
            return entry;
        }

        public void Return(TestEntry entry)
        {
            lock (_free)
            {
                _free.Push(entry);
            }
        }

        public void Reclaim(object item)
        {
            var entry = (TestEntry)item;
            entry.Poison();
            Interlocked.Increment(ref _reclaimed);
            Return(entry);
        }
    }
}
