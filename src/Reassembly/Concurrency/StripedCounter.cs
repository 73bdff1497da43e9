using System.Numerics;
using System.Threading;

namespace Reassembly.Concurrency;

/// <summary>
/// A count that many threads change at once without all of them writing one cache line (Linux's percpu_counter): each
/// thread adds to a stripe of its own, on a line of its own, and folds the stripe into the shared total only when the
/// stripe has gathered a batch.
/// </summary>
/// <remarks>
/// <para><b>Why.</b> Every insert into and removal from a shared table changes its element count. With one interlocked
/// counter, two workers take the counter's line from each other's cache on almost every operation (on the 2-core VM a
/// line's round trip between the cores is about 55 ns, and a locked instruction waits for it); with stripes, each worker
/// writes its own line and the shared one once per batch.</para>
/// <para><b>Invariants.</b> (1) The exact count is the total plus every stripe, at every instant: a fold moves a
/// stripe's value into the total with an exchange then an add, and the two sums in between are off by that value only
/// while the fold runs. (2) A stripe's magnitude stays below the batch its last adder asked for, except while that
/// adder folds it, so <see cref="Add"/>'s approximate result is within stripes x batch of the exact count.
/// (3) Threads are mapped to stripes by their managed id; two threads may share a stripe, so stripes too change only
/// through interlocked operations, and correctness never depends on a thread owning its stripe alone.</para>
/// </remarks>
internal sealed class StripedCounter
{
    private const int MaxStripes = 64;

    private readonly CacheLinePadded[] _stripes;
    private readonly int _mask;
    private CacheLinePadded _total;

    /// <summary>A counter at 0, with a stripe for each of about twice the machine's processors.</summary>
    public StripedCounter()
    {
        int stripes = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(Environment.ProcessorCount * 2, 2, MaxStripes));
        _stripes = new CacheLinePadded[stripes];
        _mask = stripes - 1;
    }

    /// <summary>The exact count once no thread is adding (while threads add, within stripes x batch of it).</summary>
    public long Value
    {
        get
        {
            long sum = Volatile.Read(ref _total.Value);
            for (int i = 0; i < _stripes.Length; i++)
            {
                sum += Volatile.Read(ref _stripes[i].Value);
            }

            return sum;
        }
    }

    /// <summary>
    /// Adds <paramref name="delta"/> and returns the count as this thread sees it: the shared total plus its own stripe,
    /// within (stripes - 1) x <paramref name="batch"/> of the exact count (the largest batch any adder used lately). A
    /// <paramref name="batch"/> of 1 or less folds this thread's stripe at once.
    /// </summary>
    public long Add(long delta, long batch)
    {
        ref long stripe = ref _stripes[Environment.CurrentManagedThreadId & _mask].Value;
        long local = Interlocked.Add(ref stripe, delta);
        if (local >= batch || local <= -batch)
        {
            // Invariant (1): what leaves the stripe arrives in the total.
            long moved = Interlocked.Exchange(ref stripe, 0);
            return Interlocked.Add(ref _total.Value, moved);
        }

        return Volatile.Read(ref _total.Value) + local;
    }
}
