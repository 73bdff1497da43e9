namespace Reassembly.Timers;

/// <summary>
/// Turns a <see cref="TimeProvider"/>'s monotonic timestamps into <see cref="TimerWheel{TOwner}"/> ticks of a fixed
/// length, counted from the clock's creation: the system clock in the daemon, a <c>FakeTimeProvider</c> in tests.
/// (Replay needs no adapter: it divides packet time by the tick length itself.)
/// </summary>
/// <remarks>
/// <see cref="NowTicks"/> rounds down and <see cref="DeadlineAfter"/> rounds up, so a timer armed for a duration
/// never fires before that duration has passed by the provider's clock, and fires at most one tick (plus the owner's
/// advance interval) after. Arithmetic is in <see cref="Int128"/>, so no timestamp frequency or tick length
/// overflows. Immutable; safe to share between threads (the wheel it feeds is not).
/// </remarks>
internal sealed class TimeProviderClock
{
    private readonly TimeProvider _provider;
    private readonly long _origin;
    private readonly Int128 _timestampsPerTickScaled;

    /// <summary>Creates a clock reading 0 now, in ticks of <paramref name="tickLength"/>.</summary>
    /// <param name="provider">The time source.</param>
    /// <param name="tickLength">
    /// The wheel's resolution. The engine uses 1 ms: fragment timeouts are seconds, so a millisecond of lateness is
    /// noise, and 2^36 ticks of wheel still reach two years.
    /// </param>
    public TimeProviderClock(TimeProvider provider, TimeSpan tickLength)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(tickLength, TimeSpan.Zero);
        _provider = provider;
        TickLength = tickLength;
        _origin = provider.GetTimestamp();

        // Timestamps per tick, times TicksPerSecond to stay integral: freq * tickLength.Ticks / TicksPerSecond.
        _timestampsPerTickScaled = (Int128)provider.TimestampFrequency * tickLength.Ticks;
    }

    /// <summary>The length of one tick.</summary>
    public TimeSpan TickLength { get; }

    /// <summary>Whole ticks elapsed since the clock was created (rounded down).</summary>
    public long NowTicks => (long)(ScaledSinceOrigin() / _timestampsPerTickScaled);

    /// <summary>The first tick at which <paramref name="duration"/> from now has certainly passed (rounded up).</summary>
    public long DeadlineAfter(TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        Int128 scaled = ScaledSinceOrigin() + ((Int128)duration.Ticks * _provider.TimestampFrequency);
        return (long)((scaled + _timestampsPerTickScaled - 1) / _timestampsPerTickScaled);
    }

    /// <summary>The number of ticks that covers <paramref name="duration"/> (rounded up).</summary>
    public long ToTicks(TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        return (long)(((Int128)duration.Ticks + TickLength.Ticks - 1) / TickLength.Ticks);
    }

    private Int128 ScaledSinceOrigin() => (Int128)(_provider.GetTimestamp() - _origin) * TimeSpan.TicksPerSecond;
}
