namespace Reassembly.Capture.Tests;

public class CaptureTimestampResolutionTests
{
    [Theory]
    [InlineData(false, 6, 1_500_000UL, 0L, 1_500_000_000L)]
    [InlineData(false, 9, 42UL, 0L, 42L)]
    [InlineData(false, 0, 2UL, 0L, 2_000_000_000L)]
    [InlineData(false, 12, 1_234_567UL, 0L, 1_234L)]           // picoseconds round down
    [InlineData(false, 127, ulong.MaxValue, 0L, 0L)]           // 10^-127 s: any tick count is 0 ns
    [InlineData(true, 0, 3UL, 0L, 3_000_000_000L)]
    [InlineData(true, 10, 1024UL, 0L, 1_000_000_000L)]
    [InlineData(true, 30, 1UL << 30, 5L, 6_000_000_000L)]     // offset in seconds is added
    [InlineData(true, 64, ulong.MaxValue, 0L, 999_999_999L)]  // ticks*10^9 overflows 64 bits before the shift
    [InlineData(true, 127, ulong.MaxValue, 0L, 0L)]
    [InlineData(false, 6, 0UL, -10L, -10_000_000_000L)]       // a negative if_tsoffset
    public void Ticks_convert_to_nanoseconds_exactly_rounding_down(bool powerOfTwo, int exponent, ulong ticks, long offsetSeconds, long expected)
    {
        CaptureTimestampResolution resolution = powerOfTwo ? CaptureTimestampResolution.PowerOfTwo(exponent) : CaptureTimestampResolution.PowerOfTen(exponent);

        Assert.True(resolution.TryToNanoseconds(ticks, offsetSeconds, out long nanoseconds));
        Assert.Equal(expected, nanoseconds);
    }

    [Theory]
    [InlineData(false, 6, ulong.MaxValue, 0L)]
    [InlineData(true, 0, ulong.MaxValue, 0L)]
    [InlineData(false, 9, 0UL, long.MaxValue)]
    public void Results_beyond_64_bit_nanoseconds_are_refused(bool powerOfTwo, int exponent, ulong ticks, long offsetSeconds)
    {
        CaptureTimestampResolution resolution = powerOfTwo ? CaptureTimestampResolution.PowerOfTwo(exponent) : CaptureTimestampResolution.PowerOfTen(exponent);

        Assert.False(resolution.TryToNanoseconds(ticks, offsetSeconds, out _));
    }

    [Fact]
    public void Resolutions_print_as_powers()
    {
        Assert.Equal("10^-9 s", CaptureTimestampResolution.Nanoseconds.ToString());
        Assert.Equal("2^-20 s", CaptureTimestampResolution.PowerOfTwo(20).ToString());
    }
}
