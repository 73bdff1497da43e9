using Reassembly.Concurrency;
using Reassembly.Core;

namespace Reassembly.Benchmarks;

/// <summary>An entry of the table benchmarks (the same objects go into the ConcurrentDictionary).</summary>
internal sealed class BenchEntry : RhashEntry<FragmentKey>
{
    public BenchEntry(FragmentKey key)
    {
        Key = key;
        State = (int)key.Identification;
    }

    /// <summary>
    /// Stands for what a caller reads from the entry it found (a fragment queue's state): the "read" lookup rows read it,
    /// as every real caller of either table does next.
    /// </summary>
    public int State { get; }
}

/// <summary>Fragment keys as a capture produces them: many hosts, IDs, every fourth key IPv6.</summary>
internal static class BenchKeys
{
    /// <summary><paramref name="count"/> distinct keys; <paramref name="salt"/> gives a disjoint set (for misses).</summary>
    public static FragmentKey[] Build(int count, int salt)
    {
        var random = new Random(42 + salt);
        var keys = new FragmentKey[count];
        Span<byte> source = stackalloc byte[16];
        Span<byte> destination = stackalloc byte[16];
        for (int i = 0; i < count; i++)
        {
            uint id = (uint)((i * 2) + salt);
            if (i % 4 == 3)
            {
                random.NextBytes(source);
                random.NextBytes(destination);
                keys[i] = FragmentKey.ForIpv6((ulong)(i % 3), source, destination, id);
            }
            else
            {
                keys[i] = FragmentKey.ForIpv4((ulong)(i % 3), (uint)random.Next(), (uint)random.Next(), (ushort)id, 17);
            }
        }

        return keys;
    }

    /// <summary>
    /// One entry per key, all allocated before either structure takes them, as the engine's queues come from a pool
    /// long before a table holds them; the dictionary's nodes are then allocated as it inserts. (Allocated one by one
    /// between the inserts, each entry would sit next to its dictionary node, and the dictionary's read of the entry
    /// after a hit would find its line already fetched, which no real caller sees.)
    /// </summary>
    public static BenchEntry[] Entries(FragmentKey[] keys)
    {
        var entries = new BenchEntry[keys.Length];
        for (int i = 0; i < keys.Length; i++)
        {
            entries[i] = new BenchEntry(keys[i]);
        }

        return entries;
    }

    /// <summary>Shuffles in place with a fixed seed, so that a lookup loop does not walk memory in insertion order.</summary>
    public static T[] Shuffled<T>(T[] items, int seed)
    {
        var copy = (T[])items.Clone();
        new Random(seed).Shuffle(copy);
        return copy;
    }
}
