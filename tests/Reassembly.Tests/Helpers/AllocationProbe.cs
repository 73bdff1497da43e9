namespace Reassembly.Tests.Helpers;

/// <summary>Measures what warm, repeatable work allocates on the calling thread.</summary>
/// <remarks>
/// The runtime itself now and then allocates on the measuring thread: a tier-up or on-stack-replacement transition
/// that lands inside the measured run under a loaded test process (CI once saw 3,328 bytes in a run that allocates
/// nothing; dotnet/runtime#63487 and BenchmarkDotNet#1542 describe the same effect). An allocation that the code under
/// test makes per packet or per operation shows in every try, so the fewest bytes over a few tries still proves the
/// path allocation-free while a one-off runtime event cannot fail the test.
/// </remarks>
internal static class AllocationProbe
{
    /// <summary>The number of tries a zero-allocation test makes before it reports the fewest bytes seen.</summary>
    public const int DefaultTries = 3;

    /// <summary>
    /// Runs <paramref name="work"/> up to <paramref name="tries"/> times (passing the try's index, so that each try can
    /// use fresh input) and returns the fewest bytes one try allocated; it stops at the first try that allocates none.
    /// </summary>
    public static long FewestBytes(Action<int> work, int tries = DefaultTries)
    {
        long fewest = long.MaxValue;
        for (int attempt = 0; attempt < tries && fewest != 0; attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            work(attempt);
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return fewest;
    }
}
