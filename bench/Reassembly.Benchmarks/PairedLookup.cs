using System.Collections.Concurrent;
using System.Diagnostics;
using Reassembly.Concurrency;
using Reassembly.Core;

namespace Reassembly.Benchmarks;

/// <summary>
/// The lookup comparison of <see cref="RhashLookupBenchmarks"/> measured for a noisy shared machine: the six loops
/// (hit, miss, and hit then a read of the entry found; ours and ConcurrentDictionary) run interleaved, 400 times each
/// per round, and each reports its minimum (the run least disturbed by other processes) and median. Interleaving
/// exposes all six to the same disturbances, which separate BenchmarkDotNet processes minutes apart do not.
/// </summary>
/// <remarks>
/// Options: <c>--warm</c> runs each loop once untimed right before its timed run, so that each is measured with its own
/// structure in the caches (as BenchmarkDotNet's repeated runs are) rather than after the previous loop's; without it,
/// one structure's footprint slows the loop that follows it. <c>--two-threads</c> runs every loop on two threads at
/// once (each does every lookup; the time is per lookup of one thread), the "2 threads" rows.
/// </remarks>
internal static class PairedLookup
{
    private const int Keys = 16_384;
    private const int Repetitions = 400;

    public static void Run(int rounds, bool warm, bool twoThreads)
    {
        using var pair = twoThreads ? new TwoThreads() : null;
        FragmentKey[] keys = BenchKeys.Build(Keys, salt: 0);
        FragmentKey[] hits = BenchKeys.Shuffled(keys, seed: 1);
        FragmentKey[] misses = BenchKeys.Build(Keys, salt: 1);
        var table = new RhashTable<FragmentKey, BenchEntry>();
        var dictionary = new ConcurrentDictionary<FragmentKey, BenchEntry>();
        foreach (BenchEntry entry in BenchKeys.Entries(keys))
        {
            table.InsertIfAbsent(entry);
            dictionary.TryAdd(entry.Key, entry);
        }

        table.CompleteRehash();
        (string Name, Func<int> Loop)[] loops =
        [
            ("rhash hit", () => LookupLoops.Find(table, hits)),
            ("dictionary hit", () => LookupLoops.Find(dictionary, hits)),
            ("rhash miss", () => LookupLoops.Find(table, misses)),
            ("dictionary miss", () => LookupLoops.Find(dictionary, misses)),
            ("rhash hit+read", () => LookupLoops.FindThenRead(table, hits)),
            ("dictionary hit+read", () => LookupLoops.FindThenRead(dictionary, hits)),
        ];
        Console.WriteLine(
            $"{Keys} keys, RhashTable {table.NewestBucketCount} buckets, {(twoThreads ? "two threads" : "one thread")}{(warm ? ", warm" : "")}; " +
            $"ns per lookup, min / median of {Repetitions} interleaved runs");
        for (int round = 0; round < rounds; round++)
        {
            var times = new double[loops.Length][];
            for (int j = 0; j < loops.Length; j++)
            {
                times[j] = new double[Repetitions];
            }

            for (int r = 0; r < Repetitions; r++)
            {
                for (int j = 0; j < loops.Length; j++)
                {
                    if (warm)
                    {
                        RunOnce(pair, loops[j].Loop);
                    }

                    long start = Stopwatch.GetTimestamp();
                    RunOnce(pair, loops[j].Loop);
                    times[j][r] = Stopwatch.GetElapsedTime(start).TotalNanoseconds / Keys;
                }
            }

            Console.WriteLine(string.Join("   ", loops.Select((loop, j) =>
            {
                Array.Sort(times[j]);
                return $"{loop.Name} {times[j][0]:F1} / {times[j][Repetitions / 2]:F1}";
            })));
        }
    }

    private static void RunOnce(TwoThreads? pair, Func<int> loop)
    {
        if (pair is null)
        {
            loop();
        }
        else
        {
            pair.Run(loop);
        }
    }
}
