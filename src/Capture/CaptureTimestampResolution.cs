using System;
using System.Globalization;

namespace Reassembly.Capture;

/// <summary>
/// The unit of an interface's timestamps: 10^-<see cref="Exponent"/> or 2^-<see cref="Exponent"/> seconds
/// (the two forms of the pcapng <c>if_tsresol</c> option).
/// </summary>
public readonly record struct CaptureTimestampResolution
{
    private const long NanosecondsPerSecond = 1_000_000_000;

    // 10^0 .. 10^19: 10^19 is the largest power of ten a ulong holds, and any ulong tick count divided by 10^20 or more is 0.
    // A static array rather than a ReadOnlySpan<ulong> property over a collection expression: measured, the latter
    // allocated on every call in this build, and this runs once per frame.
    private static readonly ulong[] PowersOfTen =
    [
        1UL, 10UL, 100UL, 1_000UL, 10_000UL, 100_000UL, 1_000_000UL, 10_000_000UL, 100_000_000UL, 1_000_000_000UL,
        10_000_000_000UL, 100_000_000_000UL, 1_000_000_000_000UL, 10_000_000_000_000UL, 100_000_000_000_000UL,
        1_000_000_000_000_000UL, 10_000_000_000_000_000UL, 100_000_000_000_000_000UL, 1_000_000_000_000_000_000UL,
        10_000_000_000_000_000_000UL,
    ];

    private CaptureTimestampResolution(bool isPowerOfTwo, int exponent)
    {
        IsPowerOfTwo = isPowerOfTwo;
        Exponent = exponent;
    }

    /// <summary>Microseconds (10^-6 s): classic pcap, and pcapng when an interface has no <c>if_tsresol</c> option.</summary>
    public static CaptureTimestampResolution Microseconds => new(false, 6);

    /// <summary>Nanoseconds (10^-9 s).</summary>
    public static CaptureTimestampResolution Nanoseconds => new(false, 9);

    /// <summary>True for a unit of 2^-<see cref="Exponent"/> seconds, false for 10^-<see cref="Exponent"/> seconds.</summary>
    public bool IsPowerOfTwo { get; }

    /// <summary>The negated exponent of the unit, 0 to 127.</summary>
    public int Exponent { get; }

    /// <summary>Creates a resolution of 10^-<paramref name="exponent"/> seconds.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="exponent"/> is outside 0..127 (the range <c>if_tsresol</c> can encode).</exception>
    public static CaptureTimestampResolution PowerOfTen(int exponent)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(exponent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(exponent, 127);
        return new CaptureTimestampResolution(false, exponent);
    }

    /// <summary>Creates a resolution of 2^-<paramref name="exponent"/> seconds.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="exponent"/> is outside 0..127 (the range <c>if_tsresol</c> can encode).</exception>
    public static CaptureTimestampResolution PowerOfTwo(int exponent)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(exponent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(exponent, 127);
        return new CaptureTimestampResolution(true, exponent);
    }

    /// <summary>Returns the unit as text, for example <c>10^-9 s</c>.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{(IsPowerOfTwo ? 2 : 10)}^-{Exponent} s");

    /// <summary>
    /// Converts <paramref name="ticks"/> units plus <paramref name="offsetSeconds"/> to nanoseconds since the Unix epoch,
    /// rounding down. Returns false when the result does not fit a <see cref="long"/> (after 2262 or before 1677).
    /// </summary>
    /// <remarks>
    /// Int128 keeps every intermediate exact: ticks (below 2^64) times 10^9 (below 2^30) stays below 2^94, so neither
    /// the 2^-x form (multiply, then shift) nor the 10^-x form (multiply or divide) can wrap before the range check.
    /// </remarks>
    internal bool TryToNanoseconds(ulong ticks, long offsetSeconds, out long nanoseconds)
    {
        Int128 value;
        if (IsPowerOfTwo)
        {
            value = ((Int128)ticks * NanosecondsPerSecond) >> Exponent;
        }
        else if (Exponent <= 9)
        {
            value = (Int128)ticks * PowersOfTen[9 - Exponent];
        }
        else
        {
            int divisorExponent = Exponent - 9;
            value = divisorExponent < PowersOfTen.Length ? ticks / PowersOfTen[divisorExponent] : 0;
        }

        value += (Int128)offsetSeconds * NanosecondsPerSecond;
        if (value > long.MaxValue || value < long.MinValue)
        {
            nanoseconds = 0;
            return false;
        }

        nanoseconds = (long)value;
        return true;
    }
}
