using System.Runtime.CompilerServices;
using Reassembly.Core;
using Reassembly.Timers;

namespace Reassembly;

/// <summary>
/// The worker's timers: one <see cref="TimerWheel{TOwner}"/> holds the deadline of every queue the worker owns, in
/// every namespace and family (Linux arms one timer per queue in <c>inet_frag_create</c>).
/// </summary>
/// <remarks>
/// <para><b>Ticks.</b> One wheel tick is one nanosecond of the worker's clock, counted from <see cref="_wheelOrigin"/>
/// (the clock when the wheel last started empty), so a queue expires exactly when the clock reaches its deadline, as
/// it did with per-family lists. Ticks saturate at <see cref="TimerWheel{TOwner}.MaxTicks"/> (73 years after the
/// origin). A 30 s deadline is on the wheel's top level and cascades at most five times before it fires; almost every
/// queue completes first, so arm and cancel (O(1) each) are its whole cost.</para>
/// <para><b>Per-frame check.</b> <see cref="_earliestDeadline"/> is a lower bound on every armed deadline, in
/// nanoseconds: lowered by each arm, left alone by a cancel, and set to the wheel's next event after each expiry pass.
/// A frame compares its clock with it and calls into the wheel only when it may have work.</para>
/// <para><b>Order.</b> An expiry pass advances the wheel, which hands each fired queue to its family's
/// <see cref="ExpiryList"/> (sorted by deadline, then arm order); then IPv4, IPv6 and 6LoWPAN queues expire in that
/// order, exactly as the per-family lists expired them, so outputs and event order are unchanged.</para>
/// </remarks>
public sealed partial class ReassemblyWorker
{
    private readonly TimerWheel<FragmentQueue> _wheel = new();
    private long _wheelOrigin;
    private long _earliestDeadline = long.MaxValue;
    private long _armSequence;
    private readonly TimeProvider? _timeProvider;

    internal ExpiryList Ipv4Expiry { get; } = new();

    internal ExpiryList Ipv6Expiry { get; } = new();

    internal ExpiryList LowpanExpiry { get; } = new();

    /// <summary>Arms <paramref name="queue"/>'s timer for its <see cref="FragmentQueue.DeadlineNanoseconds"/>. O(1).</summary>
    internal void ArmTimer(FragmentQueue queue)
    {
        if (_wheel.Count == 0)
        {
            // Nothing armed: re-base ticks on the clock now, so that they stay small (and a clock reset is no problem).
            _wheelOrigin = _clock;
            _wheel.Restart(0);
        }

        queue.TimerSequence = ++_armSequence;
        long deadline = queue.DeadlineNanoseconds;
        _wheel.Arm(queue.Timer, ToTicks(deadline));
        if (deadline < _earliestDeadline)
        {
            _earliestDeadline = deadline;
        }
    }

    /// <summary>Disarms <paramref name="queue"/>'s timer, or takes it off its expiry list if the timer fired. O(1).</summary>
    internal void CancelTimer(FragmentQueue queue)
    {
        if (!_wheel.Cancel(queue.Timer) && queue.AwaitingExpiry)
        {
            ExpiryListFor(queue).Unlink(queue);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool IsAnyDeadlineDue(long nowNanoseconds) => nowNanoseconds >= _earliestDeadline;

    private void ExpireDue(long nowNanoseconds)
    {
        _expiring = true;
        try
        {
            var collector = new FiredTimers(this);
            _wheel.Advance(ToTicks(nowNanoseconds), ref collector);
            _earliestDeadline = _wheel.TryGetNextEventTick(out long next) ? FromTicks(next) : long.MaxValue;
            ExpireFired(Ipv4Expiry);
            ExpireFired(Ipv6Expiry);
            ExpireFired(LowpanExpiry);
        }
        finally
        {
            _expiring = false;
        }
    }

    private static void ExpireFired(ExpiryList expiry)
    {
        while (expiry.Oldest is { } oldest)
        {
            expiry.Unlink(oldest);
            oldest.Directory!.Expire(oldest);
        }
    }

    /// <summary>Removes, uncounted, every queue of the worker whose directory is one of three (or all, when all are null).</summary>
    private void RemoveQueues(FragmentQueueDirectory? ipv4, FragmentQueueDirectory? ipv6, FragmentQueueDirectory? lowpan)
    {
        var remover = new QueueRemover(ipv4, ipv6, lowpan);
        _wheel.Walk(ref remover);
        if (_wheel.Count == 0)
        {
            _earliestDeadline = long.MaxValue;
        }
    }

    private ExpiryList ExpiryListFor(FragmentQueue queue) => queue.Key.Family switch
    {
        IpFamily.Ipv4 => Ipv4Expiry,
        IpFamily.Ipv6 => Ipv6Expiry,
        _ => LowpanExpiry,
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long ToTicks(long nanoseconds)
    {
        if (nanoseconds <= _wheelOrigin)
        {
            return 0;
        }

        // Unsigned, so that the difference of any two longs is exact.
        ulong ticks = (ulong)nanoseconds - (ulong)_wheelOrigin;
        return ticks >= TimerWheel<FragmentQueue>.MaxTicks ? TimerWheel<FragmentQueue>.MaxTicks : (long)ticks;
    }

    private long FromTicks(long ticks) =>
        ticks >= TimerWheel<FragmentQueue>.MaxTicks || ticks > long.MaxValue - _wheelOrigin ? long.MaxValue : _wheelOrigin + ticks;

    /// <summary>Hands each fired queue to its family's expiry list; the queues expire after the wheel is done.</summary>
    private readonly struct FiredTimers(ReassemblyWorker worker) : ITimerWheelVisitor<FragmentQueue>
    {
        public void OnExpired(TimerWheelEntry<FragmentQueue> entry) => worker.ExpiryListFor(entry.Owner).Append(entry.Owner);
    }

    private readonly struct QueueRemover(FragmentQueueDirectory? ipv4, FragmentQueueDirectory? ipv6, FragmentQueueDirectory? lowpan)
        : ITimerWheelWalker<FragmentQueue>
    {
        public void Visit(TimerWheelEntry<FragmentQueue> entry)
        {
            FragmentQueue queue = entry.Owner;
            FragmentQueueDirectory directory = queue.Directory!;
            bool all = ipv4 is null && ipv6 is null && lowpan is null;
            if (all || directory == ipv4 || directory == ipv6 || directory == lowpan)
            {
                directory.Remove(queue);
            }
        }
    }
}
