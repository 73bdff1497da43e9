namespace Reassembly.Concurrency;

/// <summary>A key for <see cref="RhashTable{TKey, TEntry}"/>: equality plus a hash keyed with a per-table secret.</summary>
/// <typeparam name="TKey">The key itself (a struct, compared by value).</typeparam>
internal interface IHashKey<TKey> : IEquatable<TKey>
    where TKey : struct
{
    /// <summary>
    /// A 64-bit hash of the key mixed with <paramref name="secret"/>, whose low bits select the bucket. Every bit of the
    /// key and of the secret should reach the low bits: a new table draws a new secret so that keys an attacker aimed at
    /// one bucket are spread again by the rehash.
    /// </summary>
    ulong Hash(ulong secret);

    /// <summary>
    /// <see cref="IEquatable{T}.Equals(T)"/> with the other key passed by reference. The table compares a probe with
    /// entries in place: passed by value, the entry's key was first copied into registers (six for a fragment key),
    /// and the lookup saved and restored as many callee-saved registers around the walk.
    /// </summary>
    bool EqualsKey(in TKey other);
}
