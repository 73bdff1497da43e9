using System.Collections.Concurrent;
using Reassembly.Concurrency;
using Reassembly.Core;

namespace Reassembly.Benchmarks;

/// <summary>
/// The lookup loops both <see cref="RhashLookupBenchmarks"/> and <see cref="PairedLookup"/> time, one copy each, so that
/// BenchmarkDotNet and the interleaved harness measure exactly the same code.
/// </summary>
internal static class LookupLoops
{
    /// <summary>Looks up every key; returns how many were found.</summary>
    public static int Find(RhashTable<FragmentKey, BenchEntry> table, FragmentKey[] keys)
    {
        int found = 0;
        for (int i = 0; i < keys.Length; i++)
        {
            if (table.Lookup(in keys[i]) is not null)
            {
                found++;
            }
        }

        return found;
    }

    /// <inheritdoc cref="Find(RhashTable{FragmentKey, BenchEntry}, FragmentKey[])"/>
    public static int Find(ConcurrentDictionary<FragmentKey, BenchEntry> dictionary, FragmentKey[] keys)
    {
        int found = 0;
        for (int i = 0; i < keys.Length; i++)
        {
            if (dictionary.TryGetValue(keys[i], out _))
            {
                found++;
            }
        }

        return found;
    }

    /// <summary>
    /// Looks up every key and reads the entry found, as any caller does next: the table's entry is the object itself,
    /// the dictionary's value one reference further than its node. Returns the sum of what was read.
    /// </summary>
    public static int FindThenRead(RhashTable<FragmentKey, BenchEntry> table, FragmentKey[] keys)
    {
        int sum = 0;
        for (int i = 0; i < keys.Length; i++)
        {
            BenchEntry? entry = table.Lookup(in keys[i]);
            if (entry is not null)
            {
                sum += entry.State;
            }
        }

        return sum;
    }

    /// <inheritdoc cref="FindThenRead(RhashTable{FragmentKey, BenchEntry}, FragmentKey[])"/>
    public static int FindThenRead(ConcurrentDictionary<FragmentKey, BenchEntry> dictionary, FragmentKey[] keys)
    {
        int sum = 0;
        for (int i = 0; i < keys.Length; i++)
        {
            if (dictionary.TryGetValue(keys[i], out BenchEntry? entry))
            {
                sum += entry.State;
            }
        }

        return sum;
    }
}
