using Reassembly.Concurrency;

namespace Reassembly.Tests.Concurrency.Helpers;

/// <summary>A small key with a properly keyed hash (every bit of value and secret reaches the bucket bits).</summary>
internal readonly record struct TestKey(long Value) : IHashKey<TestKey>
{
    public ulong Hash(ulong secret)
    {
        ulong h = ((ulong)Value ^ secret) * 0x9E3779B97F4A7C15UL;
        h ^= h >> 32;
        h *= 0xD6E8FEB86659FD93UL;
        return h ^ (h >> 32);
    }

    public bool EqualsKey(in TestKey other) => Value == other.Value;
}

/// <summary>A key whose hash ignores the secret, so that multiples of 1024 share a bucket in every table up to 1024 buckets.</summary>
internal readonly record struct CollidingKey(long Value) : IHashKey<CollidingKey>
{
    public ulong Hash(ulong secret) => (ulong)Value;

    public bool EqualsKey(in CollidingKey other) => Value == other.Value;
}
