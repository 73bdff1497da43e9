using Reassembly.Concurrency;
using Reassembly.Memory;

namespace Reassembly.Tests.Concurrency;

public sealed class StripedCounterTests
{
    [Fact]
    public void With_a_batch_of_one_every_add_returns_the_exact_count()
    {
        var counter = new StripedCounter();
        for (int i = 1; i <= 100; i++)
        {
            Assert.Equal(i, counter.Add(1, batch: 1));
        }

        Assert.Equal(99, counter.Add(-1, batch: 1));
        Assert.Equal(99, counter.Value);
    }

    [Fact]
    public void An_add_sees_its_own_stripe_before_it_is_folded_and_the_value_is_always_exact_on_one_thread()
    {
        var counter = new StripedCounter();
        for (int i = 1; i <= 1000; i++)
        {
            // One thread: its stripe plus the total is the whole count, folded or not.
            Assert.Equal(i, counter.Add(1, batch: 64));
            Assert.Equal(i, counter.Value);
        }

        for (int i = 999; i >= -5; i--)
        {
            Assert.Equal(i, counter.Add(-1, batch: 64));
        }

        Assert.Equal(-5, counter.Value);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    [InlineData(128)]
    public void Many_threads_adding_and_removing_at_once_lose_nothing_and_each_sees_a_count_within_the_bound(int batch)
    {
        var counter = new StripedCounter();
        const int Threads = 8;
        const int Rounds = 20_000;
        long worstError = 0;
        using var start = new Barrier(Threads);
        var workers = new Thread[Threads];
        for (int t = 0; t < Threads; t++)
        {
            int id = t;
            workers[t] = new Thread(() =>
            {
                start.SignalAndWait();
                long worst = 0;
                for (int i = 0; i < Rounds; i++)
                {
                    // Each thread adds three and takes one away per round: the exact count only grows, so a result
                    // below what this thread alone has added is an error of the approximation, bounded below.
                    counter.Add(1, batch);
                    counter.Add(1, batch);
                    long seen = counter.Add(1, batch);
                    long mine = (3L * (i + 1)) - i;
                    worst = Math.Max(worst, mine - seen);
                    counter.Add(-1, batch);
                }

                MemoryAccountant.RaiseToAtLeast(ref worstError, worst);
            })
            { IsBackground = true, Name = "striped counter " + id };
            workers[t].Start();
        }

        foreach (Thread worker in workers)
        {
            Assert.True(worker.Join(TimeSpan.FromSeconds(60)), "a thread did not finish");
        }

        Assert.Equal(Threads * 2L * Rounds, counter.Value);

        // What others hold in their stripes (fewer than 64) or are folding (one each) is missing from what a thread
        // sees: less than a batch apiece.
        Assert.InRange(worstError, long.MinValue, (long)batch * (64 + Threads));
    }
}
