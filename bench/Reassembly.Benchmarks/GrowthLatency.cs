using System.Collections.Concurrent;
using System.Diagnostics;
using Reassembly.Concurrency;
using Reassembly.Core;

namespace Reassembly.Benchmarks;

/// <summary>
/// What one insert can cost while a table grows: a burst of new fragment queues (a flood, or traffic resuming after a
/// pause) fills an empty table with a million entries, and every insert is timed on its own. ConcurrentDictionary
/// grows by rebuilding its whole bucket array inside the insert that crosses its limit, with every writer held out;
/// our table attaches a bigger table and moves a few buckets per insert, so no insert waits for the whole move. The
/// mean per insert is what the throughput rows measure; this measures the tail (percentiles and the worst insert).
/// </summary>
/// <remarks>
/// The two structures alternate round by round, each filled from empty with the same pre-allocated entries (a fresh
/// table or dictionary per round, at its default initial size) and emptied by dropping it; a full garbage collection
/// runs before each fill, so no fill pays for the previous one's garbage. A timestamp is read around every insert
/// (about 20 ns on this machine, the same for both), so the percentiles include that overhead.
/// </remarks>
internal static class GrowthLatency
{
    private const int Entries = 1 << 20;

    public static void Run(int rounds)
    {
        FragmentKey[] keys = BenchKeys.Build(Entries, salt: 0);
        BenchEntry[] entries = BenchKeys.Entries(keys);
        var nanoseconds = new double[Entries];
        Console.WriteLine(
            $"{Entries} inserts into an empty structure, each timed; ns per insert: p50 / p99 / p99.9 / p99.99 / max, " +
            "then the whole fill in ms");
        for (int round = 0; round < rounds; round++)
        {
            Console.WriteLine($"round {round}: rhash {FillTable(entries, nanoseconds)}");
            Console.WriteLine($"round {round}: dictionary {FillDictionary(entries, nanoseconds)}");
        }
    }

    private static string FillTable(BenchEntry[] entries, double[] nanoseconds)
    {
        var table = new TableInsert(new RhashTable<FragmentKey, BenchEntry>());
        string summary = Fill(ref table, entries, nanoseconds);

        // The entries go into the next round's table: unlink them from this one first.
        foreach (BenchEntry entry in entries)
        {
            table.Table.Remove(entry);
        }

        return summary;
    }

    private static string FillDictionary(BenchEntry[] entries, double[] nanoseconds)
    {
        var dictionary = new DictionaryInsert(new ConcurrentDictionary<FragmentKey, BenchEntry>());
        return Fill(ref dictionary, entries, nanoseconds);
    }

    // Generic over a struct so that each structure's insert is inlined into its own copy of the timed loop.
    private static string Fill<TInsert>(ref TInsert structure, BenchEntry[] entries, double[] nanoseconds)
        where TInsert : struct, IInsert
    {
        PrepareForFill();
        long fillStart = Stopwatch.GetTimestamp();
        for (int i = 0; i < entries.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            structure.Insert(entries[i]);
            nanoseconds[i] = NanosecondsSince(start);
        }

        return Summarize(nanoseconds, Stopwatch.GetElapsedTime(fillStart).TotalMilliseconds);
    }

    // Not Stopwatch.GetElapsedTime: a TimeSpan counts 100 ns ticks, too coarse for one insert.
    private static double NanosecondsSince(long start) => (Stopwatch.GetTimestamp() - start) * 1e9 / Stopwatch.Frequency;

    private static void PrepareForFill()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
    }

    private static string Summarize(double[] nanoseconds, double fillMilliseconds)
    {
        Array.Sort(nanoseconds);
        int n = nanoseconds.Length;
        return $"{nanoseconds[n / 2]:F0} / {nanoseconds[(int)(n * 0.99)]:F0} / {nanoseconds[(int)(n * 0.999)]:F0} / " +
            $"{nanoseconds[(int)(n * 0.9999)]:F0} / {nanoseconds[n - 1]:F0}, fill {fillMilliseconds:F1} ms";
    }

    private interface IInsert
    {
        void Insert(BenchEntry entry);
    }

    private readonly struct TableInsert(RhashTable<FragmentKey, BenchEntry> table) : IInsert
    {
        public RhashTable<FragmentKey, BenchEntry> Table { get; } = table;

        public void Insert(BenchEntry entry) => Table.InsertIfAbsent(entry);
    }

    private readonly struct DictionaryInsert(ConcurrentDictionary<FragmentKey, BenchEntry> dictionary) : IInsert
    {
        public void Insert(BenchEntry entry) => dictionary.TryAdd(entry.Key, entry);
    }
}
