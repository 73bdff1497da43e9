using Microsoft.Extensions.Time.Testing;
using Reassembly.Tests.Helpers;
using Reassembly.Timers;
using Xunit.Abstractions;

namespace Reassembly.Tests.Timers;

public sealed class TimerWheelTests
{
    private readonly ITestOutputHelper _output;

    public TimerWheelTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void ArmedTimerFiresAtItsDeadlineAndNotBefore()
    {
        var wheel = new TimerWheel<TestTimer>(0);
        var timer = new TestTimer(1);
        wheel.Arm(timer.Entry, 100);
        var log = new FiredLog(wheel);

        Assert.Equal(0, wheel.Advance(99, ref log));
        Assert.True(timer.Entry.IsArmed);
        Assert.Equal(1, wheel.Advance(100, ref log));
        Assert.False(timer.Entry.IsArmed);
        Assert.Equal([(1, 100L, 100L)], log.Fired);
        Assert.Equal(0, wheel.Count);
        Assert.Null(wheel.VerifyStructure());
    }

    [Fact]
    public void CancelledTimerNeverFiresAndCancellingTwiceReportsFalse()
    {
        var wheel = new TimerWheel<TestTimer>(0);
        var timer = new TestTimer(1);
        wheel.Arm(timer.Entry, 5000);

        Assert.True(wheel.Cancel(timer.Entry));
        Assert.False(wheel.Cancel(timer.Entry));
        var log = new FiredLog(wheel);
        Assert.Equal(0, wheel.Advance(1_000_000, ref log));
        Assert.Empty(log.Fired);
        Assert.Null(wheel.VerifyStructure());
    }

    [Fact]
    public void RescheduledTimerFiresOnlyAtItsNewDeadline()
    {
        var wheel = new TimerWheel<TestTimer>(0);
        var later = new TestTimer(1);
        var earlier = new TestTimer(2);
        wheel.Arm(later.Entry, 50);
        wheel.Arm(earlier.Entry, 70_000);
        wheel.Reschedule(later.Entry, 90_000);
        wheel.Reschedule(earlier.Entry, 10);
        var log = new FiredLog(wheel);

        wheel.Advance(89_999, ref log);
        Assert.Equal([(2, 10L, 10L)], log.Fired);
        wheel.Advance(90_000, ref log);
        Assert.Equal((1, 90_000L, 90_000L), log.Fired[1]);
    }

    [Fact]
    public void ArmingAnArmedTimerIsRefused()
    {
        var wheel = new TimerWheel<TestTimer>(0);
        var timer = new TestTimer(1);
        wheel.Arm(timer.Entry, 10);

        Assert.Throws<InvalidOperationException>(() => wheel.Arm(timer.Entry, 20));
        Assert.Equal(1, wheel.Count);
    }

    [Fact]
    public void TimersOnEveryLevelCascadeDownAndFireExactlyAtTheirDeadlineTick()
    {
        const long start = 12_345;
        var wheel = new TimerWheel<TestTimer>(start);
        var deadlines = new List<long>();
        for (int level = 0; level < TimerWheel<TestTimer>.LevelCount; level++)
        {
            long span = 1L << (level * TimerWheel<TestTimer>.SlotBits);
            long reach = span << TimerWheel<TestTimer>.SlotBits;
            foreach (long ahead in new[] { span - 1, span, span + 1, reach - 1, (reach / 2) + 3 })
            {
                deadlines.Add(start + 1 + ahead);
            }
        }

        var timers = new List<TestTimer>();
        foreach (long deadline in deadlines.Distinct())
        {
            var timer = new TestTimer(timers.Count);
            timers.Add(timer);
            wheel.Arm(timer.Entry, deadline);
        }

        Assert.Null(wheel.VerifyStructure());
        var log = new FiredLog(wheel);
        foreach (TestTimer timer in timers.OrderBy(t => t.Entry.DeadlineTicks))
        {
            long deadline = timer.Entry.DeadlineTicks;
            int before = log.Fired.Count;
            wheel.Advance(deadline - 1, ref log);
            Assert.Equal(before, log.Fired.Count);
            Assert.True(timer.Entry.IsArmed);
            wheel.Advance(deadline, ref log);
            Assert.Equal((timer.Id, deadline, deadline), log.Fired[^1]);
            Assert.Null(wheel.VerifyStructure());
        }

        Assert.Equal(timers.Count, log.Fired.Count);
    }

    [Fact]
    public void SteppingOneTickAtATimeFiresEachTimerAtItsTick()
    {
        var wheel = new TimerWheel<TestTimer>(0);
        var random = new Random(7);
        var timers = new TestTimer[2000];
        for (int i = 0; i < timers.Length; i++)
        {
            timers[i] = new TestTimer(i);
            wheel.Arm(timers[i].Entry, 1 + random.NextInt64(1L << 14));
        }

        var log = new FiredLog(wheel);
        for (long now = 1; now <= 1L << 14; now++)
        {
            wheel.Advance(now, ref log);
        }

        Assert.Equal(timers.Length, log.Fired.Count);
        Assert.All(log.Fired, f => Assert.Equal(f.Deadline, f.FiredAt));
    }

    [Fact]
    public void DeadlinesBeyondTheTopLevelWaitInOverflowAndFireOnTime()
    {
        long top = 1L << TimerWheel<TestTimer>.SpanBits;
        var wheel = new TimerWheel<TestTimer>(3);
        long[] deadlines = [top + 5, top + 4, (3 * top) + 7, (5 * top) - 1, 5 * top];
        var timers = deadlines.Select((d, i) => new TestTimer(i)).ToArray();
        for (int i = 0; i < deadlines.Length; i++)
        {
            wheel.Arm(timers[i].Entry, deadlines[i]);
        }

        var log = new FiredLog(wheel);
        foreach (long deadline in deadlines.Order())
        {
            int before = log.Fired.Count;
            wheel.Advance(deadline - 1, ref log);
            Assert.Equal(before, log.Fired.Count);
            wheel.Advance(deadline, ref log);
            Assert.Equal(before + 1, log.Fired.Count);
            Assert.Equal(deadline, log.Fired[^1].FiredAt);
            Assert.Equal(deadline, log.Fired[^1].Deadline);
            Assert.Null(wheel.VerifyStructure());
        }
    }

    [Fact]
    public void PastDeadlineFiresAtTheNextAdvance()
    {
        var wheel = new TimerWheel<TestTimer>(1000);
        var timer = new TestTimer(1);
        wheel.Arm(timer.Entry, 400);
        var log = new FiredLog(wheel);

        Assert.True(wheel.TryGetNextEventTick(out long next));
        Assert.Equal(1000, next);
        Assert.Equal(1, wheel.Advance(1000, ref log));
        Assert.Equal([(1, 400L, 1000L)], log.Fired);
    }

    [Fact]
    public void CallbackMayRearmItsOwnTimerAndItFiresAgainInTheSameAdvance()
    {
        var wheel = new TimerWheel<TestTimer>(0);
        var timer = new TestTimer(1);
        wheel.Arm(timer.Entry, 7);
        var periodic = new PeriodicVisitor(wheel, 7);

        int fired = wheel.Advance(1000, ref periodic);

        Assert.Equal(1000 / 7, fired);
        Assert.Equal(1000 / 7, periodic.Exact);
        Assert.Equal(7 * ((1000 / 7) + 1), timer.Entry.DeadlineTicks);
        Assert.True(timer.Entry.IsArmed);
    }

    [Fact]
    public void AdvanceFromACallbackIsRefused()
    {
        var wheel = new TimerWheel<TestTimer>(0);
        wheel.Arm(new TestTimer(1).Entry, 3);
        var reentrant = new ReentrantVisitor(wheel);

        Assert.Throws<InvalidOperationException>(() => wheel.Advance(10, ref reentrant));

        // The wheel is left consistent and usable.
        Assert.Null(wheel.VerifyStructure());
        var log = new FiredLog(wheel);
        wheel.Arm(new TestTimer(2).Entry, 20);
        Assert.Equal(1, wheel.Advance(20, ref log));
    }

    [Fact]
    public void ManyTimersInRandomOrderFireAsASortedReferenceModelSays()
    {
        int seed = Environment.TickCount;
        _output.WriteLine($"seed: {seed}");
        var random = new Random(seed);
        var wheel = new TimerWheel<TestTimer>(random.NextInt64(1L << 40));
        var timers = new TestTimer[3000];
        for (int i = 0; i < timers.Length; i++)
        {
            timers[i] = new TestTimer(i);
        }

        var model = new Dictionary<int, long>();
        var armedPastDue = new HashSet<int>();
        var log = new FiredLog(wheel);
        for (int step = 0; step < 60_000; step++)
        {
            TestTimer timer = timers[random.Next(timers.Length)];
            int op = random.Next(100);
            if (op < 45)
            {
                long deadline = RandomDeadline(random, wheel.Now);
                if (model.ContainsKey(timer.Id))
                {
                    wheel.Reschedule(timer.Entry, deadline);
                }
                else
                {
                    wheel.Arm(timer.Entry, deadline);
                }

                model[timer.Id] = deadline;
                if (deadline <= wheel.Now)
                {
                    armedPastDue.Add(timer.Id);
                }
                else
                {
                    armedPastDue.Remove(timer.Id);
                }
            }
            else if (op < 60)
            {
                Assert.Equal(model.Remove(timer.Id), wheel.Cancel(timer.Entry));
                armedPastDue.Remove(timer.Id);
            }
            else
            {
                long now = random.Next(10) == 0 ? wheel.Now + random.NextInt64(1L << 38) : wheel.Now + random.Next(2000);
                if (wheel.TryGetNextEventTick(out long lowerBound))
                {
                    Assert.All(model.Values, d => Assert.True(d >= lowerBound || d <= wheel.Now, $"deadline {d} is before the next event {lowerBound}"));
                }
                else
                {
                    Assert.Empty(model);
                }

                var expected = model.Where(p => p.Value <= now).Select(p => p.Key).ToHashSet();
                log.Fired.Clear();
                int fired = wheel.Advance(now, ref log);

                Assert.Equal(expected.Count, fired);
                Assert.Equal(expected, log.Fired.Select(f => f.Id).ToHashSet());
                long last = long.MinValue;
                foreach ((int id, long deadline, long firedAt) in log.Fired)
                {
                    Assert.Equal(model[id], deadline);
                    Assert.InRange(firedAt, deadline, now);
                    if (!armedPastDue.Contains(id))
                    {
                        Assert.Equal(deadline, firedAt);
                        Assert.True(deadline >= last, $"deadline {deadline} fired after {last}");
                        last = deadline;
                    }

                    model.Remove(id);
                }

                armedPastDue.Clear();
                Assert.Null(wheel.VerifyStructure());
            }

            Assert.Equal(model.Count, wheel.Count);
        }
    }

    [Fact]
    public void ArmCancelAndFireAllocateNothingOnceWarm()
    {
        var wheel = new TimerWheel<TestTimer>(0);
        var timers = new TestTimer[4096];
        for (int i = 0; i < timers.Length; i++)
        {
            timers[i] = new TestTimer(i);
        }

        var counter = new CountingVisitor();
        long now = 0;
        Cycle(wheel, timers, ref counter, ref now);
        int fired = 0, rounds = 0;
        long allocated = AllocationProbe.FewestBytes(_ =>
        {
            for (int round = 0; round < 5; round++, rounds++)
            {
                fired += Cycle(wheel, timers, ref counter, ref now);
            }
        });
        Assert.Equal(rounds * timers.Length / 2, fired);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void TimeProviderClockNeverFiresATimerBeforeItsDurationHasPassed()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        var clock = new TimeProviderClock(time, TimeSpan.FromMilliseconds(1));
        var wheel = new TimerWheel<TestTimer>(clock.NowTicks);
        var log = new FiredLog(wheel);

        // Half a tick into the clock, a 30 s timeout must round up past the fractional tick.
        time.Advance(TimeSpan.FromMicroseconds(500));
        var timer = new TestTimer(1);
        wheel.Arm(timer.Entry, clock.DeadlineAfter(TimeSpan.FromSeconds(30)));
        Assert.Equal(30_001, timer.Entry.DeadlineTicks);

        time.Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromTicks(1));
        wheel.Advance(clock.NowTicks, ref log);
        Assert.Empty(log.Fired);

        time.Advance(TimeSpan.FromTicks(1));
        wheel.Advance(clock.NowTicks, ref log);
        Assert.Empty(log.Fired);

        time.Advance(TimeSpan.FromMicroseconds(500));
        wheel.Advance(clock.NowTicks, ref log);
        Assert.Single(log.Fired);
        Assert.Equal(30_001, clock.NowTicks);
        Assert.Equal(30, clock.ToTicks(TimeSpan.FromMilliseconds(29.5)));
    }

    private static int Cycle(TimerWheel<TestTimer> wheel, TestTimer[] timers, ref CountingVisitor counter, ref long now)
    {
        for (int i = 0; i < timers.Length; i++)
        {
            wheel.Arm(timers[i].Entry, now + 1 + ((i * 7919L) % 100_000));
        }

        for (int i = 0; i < timers.Length; i += 2)
        {
            wheel.Cancel(timers[i].Entry);
        }

        now += 100_001;
        return wheel.Advance(now, ref counter);
    }

    private static long RandomDeadline(Random random, long now) => random.Next(20) switch
    {
        0 => Math.Max(0, now - random.Next(100)),
        1 => now + (1L << 36) + random.NextInt64(1L << 37),
        _ => now + 1 + random.NextInt64(1L << random.Next(1, 30)),
    };

    public sealed class TestTimer
    {
        public TestTimer(int id)
        {
            Id = id;
            Entry = new TimerWheelEntry<TestTimer>(this);
        }

        public int Id { get; }

        internal TimerWheelEntry<TestTimer> Entry { get; }
    }

    private readonly struct FiredLog : ITimerWheelVisitor<TestTimer>
    {
        private readonly TimerWheel<TestTimer> _wheel;

        public FiredLog(TimerWheel<TestTimer> wheel) => _wheel = wheel;

        public List<(int Id, long Deadline, long FiredAt)> Fired { get; } = [];

        // During a callback the wheel's clock reads the tick being processed.
        public void OnExpired(TimerWheelEntry<TestTimer> entry) => Fired.Add((entry.Owner.Id, entry.DeadlineTicks, _wheel.Now));
    }

    private struct CountingVisitor : ITimerWheelVisitor<TestTimer>
    {
        public int Count;

        public void OnExpired(TimerWheelEntry<TestTimer> entry) => Count++;
    }

    private struct PeriodicVisitor : ITimerWheelVisitor<TestTimer>
    {
        private readonly TimerWheel<TestTimer> _wheel;
        private readonly long _period;
        private long _expected;

        public PeriodicVisitor(TimerWheel<TestTimer> wheel, long period)
        {
            _wheel = wheel;
            _period = period;
            _expected = period;
        }

        public int Exact { get; private set; }

        public void OnExpired(TimerWheelEntry<TestTimer> entry)
        {
            if (entry.DeadlineTicks == _expected)
            {
                Exact++;
            }

            _expected += _period;
            _wheel.Arm(entry, entry.DeadlineTicks + _period);
        }
    }

    private readonly struct ReentrantVisitor : ITimerWheelVisitor<TestTimer>
    {
        private readonly TimerWheel<TestTimer> _wheel;

        public ReentrantVisitor(TimerWheel<TestTimer> wheel) => _wheel = wheel;

        public void OnExpired(TimerWheelEntry<TestTimer> entry)
        {
            var inner = new CountingVisitor();
            _wheel.Advance(100, ref inner);
        }
    }
}
