using System.Diagnostics;
using Reassembly.Memory;
using Xunit.Abstractions;

namespace Reassembly.Tests.Memory;

public sealed class MemoryAccountantTests
{
    private const long KiB = 1024;

    private readonly ITestOutputHelper _output;

    public MemoryAccountantTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void DefaultsAreLinuxThresholdsInEvictMode()
    {
        var limits = new MemoryLimits();

        Assert.Equal(4 * KiB * KiB, limits.HighThresholdBytes);
        Assert.Equal(3 * KiB * KiB, limits.LowThresholdBytes);
        Assert.Equal(MemoryPressureMode.Evict, limits.Mode);
        Assert.True(limits.GlobalLimitBytes >= limits.HighThresholdBytes);
    }

    [Fact]
    public void LowThresholdAboveHighIsRejected()
    {
        var limits = new MemoryLimits { HighThresholdBytes = 100, LowThresholdBytes = 200 };

        Assert.Throws<ArgumentOutOfRangeException>(() => new MemoryAccountant(limits));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MemoryLimits { GlobalLimitBytes = -1 });
    }

    [Fact]
    public void ChargeIsCountedOnTheNamespaceAndTheGlobalAccount()
    {
        var accountant = new MemoryAccountant(new MemoryLimits());
        NamespaceAccount a = accountant.CreateAccount("a");
        NamespaceAccount b = accountant.CreateAccount("b");

        Assert.True(accountant.TryCharge(a, 1000));
        Assert.True(accountant.TryCharge(b, 250));

        Assert.Equal(1000, a.UsedBytes);
        Assert.Equal(250, b.UsedBytes);
        Assert.Equal(1250, accountant.UsedBytes);
        Assert.Equal(1250, accountant.PeakBytes);
    }

    [Fact]
    public void RefuseModeRefusesAChargeThatWouldCrossTheHighThresholdAndChargesNothing()
    {
        var accountant = new MemoryAccountant(new MemoryLimits { Mode = MemoryPressureMode.Refuse, HighThresholdBytes = 10_000, LowThresholdBytes = 8_000 });
        NamespaceAccount account = accountant.CreateAccount("ns");

        Assert.True(accountant.TryCharge(account, 9_000));
        Assert.True(account.IsOverLow);
        Assert.False(accountant.TryCharge(account, 1_001));
        Assert.True(accountant.TryCharge(account, 1_000));
        Assert.False(accountant.TryCharge(account, 1));

        Assert.Equal(10_000, account.UsedBytes);
        Assert.Equal(10_000, accountant.UsedBytes);
        Assert.Equal(2, account.FailedCharges);
        Assert.False(account.IsOverHigh);
        Assert.Equal(0, account.BytesToEvict);
    }

    [Fact]
    public void EvictModeAcceptsChargesPastHighAndAsksToEvictDownToLow()
    {
        var accountant = new MemoryAccountant(new MemoryLimits { HighThresholdBytes = 10_000, LowThresholdBytes = 7_000 });
        NamespaceAccount account = accountant.CreateAccount("ns");

        Assert.True(accountant.TryCharge(account, 9_500));
        Assert.Equal(0, account.BytesToEvict);
        Assert.True(accountant.TryCharge(account, 1_500));

        Assert.True(account.IsOverHigh);
        Assert.Equal(11_000 - 7_000, account.BytesToEvict);
        accountant.Release(account, account.BytesToEvict);
        Assert.Equal(7_000, account.UsedBytes);
        Assert.False(account.IsOverLow);
        Assert.Equal(0, account.BytesToEvict);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void GlobalCapRefusesInEitherModeAndRollsTheNamespaceBack(bool refuse)
    {
        MemoryPressureMode mode = refuse ? MemoryPressureMode.Refuse : MemoryPressureMode.Evict;
        var accountant = new MemoryAccountant(new MemoryLimits { Mode = mode, HighThresholdBytes = 10_000, LowThresholdBytes = 5_000, GlobalLimitBytes = 15_000 });
        NamespaceAccount a = accountant.CreateAccount("a");
        NamespaceAccount b = accountant.CreateAccount("b");

        Assert.True(accountant.TryCharge(a, 9_000));
        Assert.True(accountant.TryCharge(b, 6_000));
        Assert.False(accountant.TryCharge(b, 1));

        Assert.Equal(6_000, b.UsedBytes);
        Assert.Equal(15_000, accountant.UsedBytes);
        Assert.Equal(1, accountant.FailedCharges);
        accountant.Release(a, 1);
        Assert.True(accountant.TryCharge(b, 1));
    }

    [Fact]
    public void UnlimitedLimitsAdmitEverythingAndStillCount()
    {
        var accountant = new MemoryAccountant(MemoryLimits.Unlimited);
        NamespaceAccount account = accountant.CreateAccount("ns");

        Assert.True(accountant.TryCharge(account, long.MaxValue / 2));
        Assert.True(accountant.TryCharge(account, long.MaxValue / 2));
        Assert.False(account.IsOverHigh);
        Assert.Equal((long.MaxValue / 2) * 2, accountant.UsedBytes);
    }

    [Fact]
    public void ReleasingEveryChargeInAnyOrderReturnsBothAccountsToZero()
    {
        int seed = Environment.TickCount;
        _output.WriteLine($"seed: {seed}");
        var random = new Random(seed);
        var accountant = new MemoryAccountant(new MemoryLimits { Mode = MemoryPressureMode.Refuse, GlobalLimitBytes = 6 * KiB * KiB });
        NamespaceAccount[] accounts = [accountant.CreateAccount("a"), accountant.CreateAccount("b")];
        var held = new List<(int Account, long Bytes)>();
        long[] expected = new long[2];
        for (int i = 0; i < 20_000; i++)
        {
            if (held.Count > 0 && random.Next(3) == 0)
            {
                int index = random.Next(held.Count);
                (int which, long bytes) = held[index];
                held[index] = held[^1];
                held.RemoveAt(held.Count - 1);
                accountant.Release(accounts[which], bytes);
                expected[which] -= bytes;
            }
            else
            {
                int which = random.Next(2);
                long bytes = random.Next(1, 70_000);
                if (accountant.TryCharge(accounts[which], bytes))
                {
                    held.Add((which, bytes));
                    expected[which] += bytes;
                }
            }

            Assert.Equal(expected[0], accounts[0].UsedBytes);
            Assert.Equal(expected[1], accounts[1].UsedBytes);
            Assert.Equal(expected[0] + expected[1], accountant.UsedBytes);
        }

        foreach ((int which, long bytes) in held)
        {
            accountant.Release(accounts[which], bytes);
        }

        Assert.Equal(0, accounts[0].UsedBytes);
        Assert.Equal(0, accounts[1].UsedBytes);
        Assert.Equal(0, accountant.UsedBytes);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ConcurrentChargesFromSeveralThreadsNeverExceedTheLimits(bool refuse)
    {
        MemoryPressureMode mode = refuse ? MemoryPressureMode.Refuse : MemoryPressureMode.Evict;
        int seed = Environment.TickCount;
        _output.WriteLine($"seed: {seed}");
        var limits = new MemoryLimits { Mode = mode, HighThresholdBytes = 1024 * KiB, LowThresholdBytes = 768 * KiB, GlobalLimitBytes = 1536 * KiB };
        var accountant = new MemoryAccountant(limits);
        NamespaceAccount[] accounts = [accountant.CreateAccount("a"), accountant.CreateAccount("b")];
        const int threadCount = 4;
        var held = new List<long>[threadCount];
        var stop = Stopwatch.StartNew();
        int running = threadCount;
        bool violated = false;

        var workers = new Thread[threadCount];
        for (int t = 0; t < threadCount; t++)
        {
            int id = t;
            held[id] = [];
            workers[t] = new Thread(() =>
            {
                var random = new Random(seed + id);
                NamespaceAccount account = accounts[id % 2];
                List<long> mine = held[id];
                for (int op = 0; op < 400_000 && stop.ElapsedMilliseconds < 1500; op++)
                {
                    if (mine.Count > 0 && random.Next(5) < 2)
                    {
                        accountant.Release(account, mine[^1]);
                        mine.RemoveAt(mine.Count - 1);
                    }
                    else
                    {
                        long bytes = random.Next(1, 70_000);
                        if (accountant.TryCharge(account, bytes))
                        {
                            mine.Add(bytes);
                        }
                    }

                    // Evict mode: each thread evicts its own oldest charges while the namespace is over its high threshold.
                    while (mode == MemoryPressureMode.Evict && account.BytesToEvict > 0 && mine.Count > 0)
                    {
                        accountant.Release(account, mine[0]);
                        mine.RemoveAt(0);
                    }
                }

                Interlocked.Decrement(ref running);
            });
        }

        foreach (Thread worker in workers)
        {
            worker.Start();
        }

        long samples = 0;
        while (Volatile.Read(ref running) > 0)
        {
            samples++;
            violated |= accountant.UsedBytes > limits.GlobalLimitBytes;
            if (mode == MemoryPressureMode.Refuse)
            {
                violated |= accounts[0].UsedBytes > limits.HighThresholdBytes || accounts[1].UsedBytes > limits.HighThresholdBytes;
            }
        }

        foreach (Thread worker in workers)
        {
            worker.Join();
        }

        _output.WriteLine($"samples {samples}, peak {accountant.PeakBytes}, failed {accountant.FailedCharges} global / {accounts[0].FailedCharges + accounts[1].FailedCharges} total");
        Assert.False(violated);
        Assert.InRange(accountant.PeakBytes, limits.LowThresholdBytes, limits.GlobalLimitBytes);
        if (mode == MemoryPressureMode.Refuse)
        {
            Assert.True(accounts[0].PeakBytes <= limits.HighThresholdBytes && accounts[1].PeakBytes <= limits.HighThresholdBytes);
        }

        Assert.True(accounts[0].FailedCharges + accounts[1].FailedCharges > 0, "the limits were never reached");
        for (int a = 0; a < 2; a++)
        {
            long outstanding = held[a].Sum() + held[a + 2].Sum();
            Assert.Equal(outstanding, accounts[a].UsedBytes);
        }

        Assert.Equal(accounts[0].UsedBytes + accounts[1].UsedBytes, accountant.UsedBytes);
        for (int t = 0; t < threadCount; t++)
        {
            foreach (long bytes in held[t])
            {
                accountant.Release(accounts[t % 2], bytes);
            }
        }

        Assert.Equal(0, accountant.UsedBytes);
    }
}
