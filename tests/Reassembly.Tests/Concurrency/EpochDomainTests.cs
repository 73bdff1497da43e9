using System.Diagnostics;
using Reassembly.Concurrency;
using Reassembly.Tests.Concurrency.Helpers;
using Reassembly.Tests.Helpers;
using Xunit.Abstractions;

namespace Reassembly.Tests.Concurrency;

public sealed class EpochDomainTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly ITestOutputHelper _output;

    public EpochDomainTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Fact]
    public void SynchronizeWaitsForAReaderThatEnteredBeforeItAndThenReclaims()
    {
        using var domain = new EpochDomain();
        var reclaimer = new RecordingReclaimer();
        var item = new object();
        using var reader = new ParkedReaderThread(domain);
        domain.Retire(item, reclaimer);

        var synchronize = new ThreadCall(domain.Synchronize);
        Assert.False(synchronize.Wait(TimeSpan.FromMilliseconds(300)), "Synchronize returned while a reader that entered before it was still inside.");
        Assert.False(reclaimer.WasReclaimed(item), "An object was reclaimed while a reader that could see it was inside.");

        reader.Release();
        Assert.True(synchronize.Wait(Patience), "Synchronize did not return after the reader left.");
        Assert.True(reclaimer.WasReclaimed(item), "Synchronize returned without reclaiming what was retired before it.");
        Assert.Equal(0, domain.PendingCount);
    }

    [Fact]
    public void PollDoesNotReclaimWhatAParkedReaderCouldSeeButDoesOnceItLeaves()
    {
        using var domain = new EpochDomain();
        var reclaimer = new RecordingReclaimer();
        using var reader = new ParkedReaderThread(domain);
        var items = new object[3];
        for (int i = 0; i < items.Length; i++)
        {
            items[i] = new object();
            domain.Retire(items[i], reclaimer);
        }

        for (int i = 0; i < 5; i++)
        {
            domain.Poll(force: true);
        }

        Assert.Equal(0, reclaimer.Count);
        Assert.Equal(3, domain.PendingCount);

        reader.Release();
        domain.Poll(force: true);
        Assert.All(items, item => Assert.True(reclaimer.WasReclaimed(item)));
        Assert.Equal(0, domain.PendingCount);
    }

    [Fact]
    public void AReaderThatEnteredAfterTheEpochAdvancedDoesNotDelayReclamation()
    {
        using var domain = new EpochDomain();
        var reclaimer = new RecordingReclaimer();
        var item = new object();
        using var early = new ParkedReaderThread(domain);
        domain.Retire(item, reclaimer);
        domain.Poll(force: true); // closes the batch; the early reader holds it
        Assert.False(reclaimer.WasReclaimed(item));

        using var late = new ParkedReaderThread(domain);
        early.Release();
        domain.Poll(force: true);

        Assert.True(reclaimer.WasReclaimed(item), "A reader that entered after the batch closed cannot see its objects and must not hold them.");
        late.Release();
    }

    [Fact]
    public void NestedSectionsProtectUntilTheOutermostOneCloses()
    {
        using var domain = new EpochDomain();
        var reclaimer = new RecordingReclaimer();
        var item = new object();
        using var started = new ManualResetEventSlim();
        using var innerClosed = new ManualResetEventSlim();
        using var closeOuter = new ManualResetEventSlim();
        var thread = new Thread(() =>
        {
            using (domain.EnterRead())
            {
                using (domain.EnterRead())
                {
                    using (domain.EnterRead())
                    {
                        started.Set();
                    }
                }

                innerClosed.Set();
                closeOuter.Wait();
            }
        });
        thread.Start();
        Assert.True(started.Wait(Patience));
        domain.Retire(item, reclaimer);
        Assert.True(innerClosed.Wait(Patience));

        domain.Poll(force: true);
        var synchronize = new ThreadCall(domain.Synchronize);
        Assert.False(synchronize.Wait(TimeSpan.FromMilliseconds(300)), "Closing inner sections ended the outer one's protection.");
        Assert.False(reclaimer.WasReclaimed(item));

        closeOuter.Set();
        Assert.True(synchronize.Wait(Patience));
        Assert.True(reclaimer.WasReclaimed(item));
        thread.Join();
    }

    [Fact]
    public void AThreadThatExitsInsideASectionDoesNotBlockGracePeriods()
    {
        using var domain = new EpochDomain();
        var reclaimer = new RecordingReclaimer();
        var thread = new Thread(() => domain.EnterRead()); // leaks its scope and ends
        thread.Start();
        thread.Join();
        var item = new object();
        domain.Retire(item, reclaimer);

        Assert.True(new ThreadCall(domain.Synchronize).Wait(Patience), "A dead thread's open section stalled the grace period.");
        Assert.True(reclaimer.WasReclaimed(item));
    }

    [Fact]
    public void ANewThreadAdoptsTheSlotOfAThreadThatExited()
    {
        using var domain = new EpochDomain();
        var first = new Thread(() => domain.EnterRead().Dispose());
        first.Start();
        first.Join();
        var second = new Thread(() => domain.EnterRead().Dispose());
        second.Start();
        second.Join();

        Assert.Equal(1, domain.RegisteredSlotCount);
    }

    [Fact]
    public void SynchronizeInsideAReadSectionThrowsInsteadOfWaitingForItself()
    {
        using var domain = new EpochDomain();
        using (domain.EnterRead())
        {
            Assert.True(domain.IsCurrentThreadInReadSection);
            Assert.Throws<InvalidOperationException>(domain.Synchronize);
        }

        Assert.False(domain.IsCurrentThreadInReadSection);
        domain.Synchronize();
    }

    [Fact]
    public void ReclaimersRunOutsideTheDomainsLocks()
    {
        using var domain = new EpochDomain();
        var second = new RecordingReclaimer();
        bool otherThreadRetired = false;
        Exception? synchronizeFromReclaimer = null;
        var reentrant = new DelegateReclaimer(_ =>
        {
            // Another thread must be able to retire and poll while we are being called: a held lock would deadlock here.
            otherThreadRetired = new ThreadCall(() =>
            {
                domain.Retire(new object(), second);
                domain.Poll(force: true);
            }).Wait(Patience);
            synchronizeFromReclaimer = Record.Exception(domain.Synchronize);
        });
        domain.Retire(new object(), reentrant);
        domain.Synchronize();

        Assert.True(otherThreadRetired, "Retire from another thread blocked while a reclaimer ran.");
        Assert.IsType<InvalidOperationException>(synchronizeFromReclaimer);
        domain.Synchronize();
        Assert.Equal(1, second.Count);
    }

    [Fact]
    public void PollWithNothingRetiredLeavesTheEpochAlone()
    {
        using var domain = new EpochDomain();
        long before = domain.CurrentEpoch;
        for (int i = 0; i < 1000; i++)
        {
            domain.Poll();
            domain.Poll(force: true);
        }

        Assert.Equal(before, domain.CurrentEpoch);
    }

    [Fact]
    public void PollWithoutForceWaitsForEnoughWorkBeforeReclaiming()
    {
        using var domain = new EpochDomain();
        var reclaimer = new RecordingReclaimer();
        var clock = Stopwatch.StartNew();
        domain.Synchronize(); // restarts the reclaim interval
        for (int i = 0; i < EpochDomain.ReclaimThreshold - 1; i++)
        {
            domain.Retire(new object(), reclaimer);
        }

        domain.Poll();
        if (clock.ElapsedMilliseconds < EpochDomain.ReclaimIntervalMilliseconds)
        {
            Assert.Equal(0, reclaimer.Count);
        }

        domain.Retire(new object(), reclaimer);
        domain.Poll();
        Assert.Equal(EpochDomain.ReclaimThreshold, reclaimer.Count);
    }

    [Fact]
    public void EnterAndExitAllocateNothing()
    {
        using var domain = new EpochDomain();
        using (domain.EnterRead())
        {
        }

        long allocated = AllocationProbe.FewestBytes(_ =>
        {
            for (int i = 0; i < 100_000; i++)
            {
                using (domain.EnterRead())
                {
                    using (domain.EnterRead())
                    {
                    }
                }
            }
        });

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void RetireAndReclaimAllocateNothingOnceBatchesAreWarm()
    {
        using var domain = new EpochDomain();
        var reclaimer = new CountingReclaimer();
        object[] items = Enumerable.Range(0, 500).Select(_ => new object()).ToArray();
        Cycle();
        Cycle();

        int cycles = 2;
        long allocated = AllocationProbe.FewestBytes(_ =>
        {
            Cycle();
            cycles++;
        });

        Assert.Equal(0, allocated);
        Assert.Equal(cycles * items.Length, reclaimer.Count);

        void Cycle()
        {
            for (int i = 0; i < items.Length; i++)
            {
                domain.Retire(items[i], reclaimer);
                if (i % 100 == 99)
                {
                    domain.Poll(force: true);
                }
            }

            domain.Synchronize();
        }
    }

    [Fact]
    public void DisposeReclaimsWhatIsStillRetired()
    {
        var reclaimer = new RecordingReclaimer();
        var domain = new EpochDomain();
        var item = new object();
        domain.Retire(item, reclaimer);
        domain.Dispose();

        Assert.True(reclaimer.WasReclaimed(item));
    }

    /// <summary>
    /// The poison litmus: a writer keeps replacing a shared object and retires the old one; its reclaimer poisons it
    /// and recycles it. Readers check, still inside their section, that what they obtained is never poisoned or
    /// reinitialized. The run is conclusive only if readers were actually holding objects when they were retired, and
    /// the control below shows that the same detector catches reclamation without a grace period.
    /// </summary>
    [Fact]
    public void NoReaderInsideASectionEverSeesAnObjectItObtainedThereReclaimed()
    {
        (long retired, long reclaimed, long heldWhileRetired, long violations) = RunLitmus(gracePeriod: true, TimeSpan.FromSeconds(2));

        Assert.Equal(0, violations);
        Assert.True(reclaimed > retired / 2, "Too little was reclaimed for the run to mean anything.");
        Assert.True(heldWhileRetired > 0, "Inconclusive: no reader ever held an object while it was retired.");
    }

    [Fact]
    public void TheLitmusCatchesObjectsReclaimedWithoutAGracePeriod()
    {
        (_, _, _, long violations) = RunLitmus(gracePeriod: false, TimeSpan.FromSeconds(1));

        Assert.True(violations > 0, "The control run found nothing: the litmus cannot tell a broken reclaimer apart.");
    }

    /// <summary>
    /// The same litmus with the quiescent shortcut: the writer reuses an object at once whenever
    /// <see cref="EpochDomain.NoOtherReaderInside"/> says so, and retires it otherwise. Readers also spend time outside
    /// their sections, so that both paths are taken many times; no reader may ever see what it holds reused.
    /// </summary>
    [Fact]
    public void AnObjectReusedAtOnceWhenNoOtherReaderIsInsideIsNeverSeenReusedByAReader()
    {
        (long retired, long reclaimed, long heldWhileRetired, long violations) = RunLitmus(gracePeriod: true, TimeSpan.FromSeconds(2), quickReuse: true);

        Assert.Equal(0, violations);
        Assert.True(_quickReused > 1000, $"Inconclusive: the shortcut was taken only {_quickReused} times.");
        Assert.True(retired - _quickReused > 1000, $"Inconclusive: the grace-period path was taken only {retired - _quickReused} times.");
        Assert.True(reclaimed > retired / 2, "Too little was reclaimed for the run to mean anything.");
        Assert.True(heldWhileRetired > 0, "Inconclusive: no reader ever held an object while it was retired.");
    }

    [Fact]
    public void NoOtherReaderInsideIsFalseWhileAnotherThreadIsInASectionAndIgnoresTheCallersOwn()
    {
        using var domain = new EpochDomain();
        using var reader = new ParkedReaderThread(domain);

        Assert.False(domain.NoOtherReaderInside());
        reader.Release();
        Assert.True(domain.NoOtherReaderInside());
        using (domain.EnterRead())
        {
            Assert.True(domain.NoOtherReaderInside());
        }

        // A thread that exits inside a section holds nothing: it does not turn the shortcut off for good.
        var leaker = new Thread(() => domain.EnterRead());
        leaker.Start();
        leaker.Join();
        Assert.True(domain.NoOtherReaderInside());
    }

    private long _quickReused;

    private (long Retired, long Reclaimed, long HeldWhileRetired, long Violations) RunLitmus(bool gracePeriod, TimeSpan duration, bool quickReuse = false)
    {
        _quickReused = 0;
        using var domain = new EpochDomain();
        var pool = new BoxPool();
        var shared = new SharedBox { Current = pool.Take() };
        using var stop = new CancellationTokenSource();
        long violations = 0;
        long heldWhileRetired = 0;
        long reads = 0;
        var readers = new Thread[3];
        for (int r = 0; r < readers.Length; r++)
        {
            readers[r] = new Thread(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    using (domain.EnterRead())
                    {
                        Box box = Volatile.Read(ref shared.Current)!;
                        int generation = Volatile.Read(ref box.Generation);
                        bool sawRetired = false;
                        for (int spin = 0; spin < 200; spin++)
                        {
                            if (Volatile.Read(ref box.Poisoned) || Volatile.Read(ref box.Generation) != generation)
                            {
                                Interlocked.Increment(ref violations);
                                break;
                            }

                            sawRetired |= Volatile.Read(ref box.Retired);
                        }

                        if (sawRetired)
                        {
                            Interlocked.Increment(ref heldWhileRetired);
                        }
                    }

                    Interlocked.Increment(ref reads);
                    if (quickReuse)
                    {
                        // Outside any section for a while, so that all readers are sometimes out at once.
                        Thread.SpinWait(200);
                    }
                }
            })
            { IsBackground = true };
            readers[r].Start();
        }

        var clock = Stopwatch.StartNew();
        long retired = 0;
        while (clock.Elapsed < duration && retired < 2_000_000)
        {
            Box next = pool.Take();
            Box old = Interlocked.Exchange(ref shared.Current, next)!;
            Volatile.Write(ref old.Retired, true);
            retired++;
            if (!gracePeriod)
            {
                pool.Reclaim(old); // the bug the control must catch
                continue;
            }

            if (quickReuse && domain.NoOtherReaderInside())
            {
                pool.Reclaim(old);
                _quickReused++;
                continue;
            }

            domain.Retire(old, pool);
            if ((retired & 63) == 0)
            {
                domain.Poll();
            }

            if ((retired & 4095) == 0)
            {
                domain.Synchronize();
            }
        }

        stop.Cancel();
        foreach (Thread reader in readers)
        {
            reader.Join();
        }

        domain.Synchronize();
        _output.WriteLine($"grace period {gracePeriod}, quick reuse {quickReuse}: retired {retired} ({_quickReused} reused at once), reclaimed {pool.Reclaimed}, reads {reads}, held while retired {heldWhileRetired}, violations {violations}");
        return (retired, pool.Reclaimed, heldWhileRetired, violations);
    }

    private sealed class DelegateReclaimer(Action<object> reclaim) : IEpochReclaimer
    {
        public void Reclaim(object item) => reclaim(item);
    }

    private sealed class CountingReclaimer : IEpochReclaimer
    {
        public int Count { get; private set; }

        public void Reclaim(object item) => Count++;
    }

    private sealed class Box
    {
        public int Generation;
        public bool Poisoned;
        public bool Retired;
    }

    private sealed class SharedBox
    {
        public Box? Current;
    }

    /// <summary>Poisons what it reclaims and hands it out again, reinitialized, as the engine's pools will.</summary>
    private sealed class BoxPool : IEpochReclaimer
    {
        private readonly Stack<Box> _free = new();
        private long _reclaimed;

        public long Reclaimed => Interlocked.Read(ref _reclaimed);

        public Box Take()
        {
            Box? box;
            lock (_free)
            {
                _free.TryPop(out box);
            }

            box ??= new Box();
            Volatile.Write(ref box.Generation, box.Generation + 1);
            Volatile.Write(ref box.Retired, false);
            Volatile.Write(ref box.Poisoned, false);
            return box;
        }

        public void Reclaim(object item)
        {
            var box = (Box)item;
            Volatile.Write(ref box.Poisoned, true);
            Interlocked.Increment(ref _reclaimed);
            lock (_free)
            {
                _free.Push(box);
            }
        }
    }
}
