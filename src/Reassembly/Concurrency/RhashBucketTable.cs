using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Threading;

namespace Reassembly.Concurrency;

/// <summary>
/// One bucket array of an <see cref="RhashTable{TKey, TEntry}"/>, with its own hash secret and a link to the table
/// that succeeds it while a rehash is in flight (Linux's <c>bucket_table</c> and its <c>future_tbl</c>). Two allocations:
/// the chain heads (what lookups read) and the bucket lock words (what writers take).
/// </summary>
internal sealed class RhashBucketTable<TKey>
    where TKey : struct
{
    private readonly RhashEntry<TKey>?[] _heads;
    private readonly RhashBucketLock[] _locks;
    private readonly ulong _mask;
    private RhashBucketTable<TKey>? _future;

    public RhashBucketTable(object owner, int size)
    {
        Owner = owner;
        _mask = (ulong)size - 1;
        Secret = NewSecret();
        _heads = new RhashEntry<TKey>?[size];
        _locks = new RhashBucketLock[size];
    }

    /// <summary>The <see cref="RhashTable{TKey, TEntry}"/> the table belongs to.</summary>
    public object Owner { get; }

    /// <summary>The number of buckets (a power of two).</summary>
    public int Size => _heads.Length;

    /// <summary>The random key of this table's hash.</summary>
    public ulong Secret { get; }

    /// <summary>
    /// The next table of the chain, or null for the newest. Set once, with a release store, before any entry can be
    /// moved or inserted into it; read with Volatile.Read after the chain walk of this table (Linux's smp_rmb before
    /// reading future_tbl), so a lookup that missed an entry here because it moved also finds the table it moved to.
    /// </summary>
    public RhashBucketTable<TKey>? Future => Volatile.Read(ref _future);

    /// <summary>
    /// Buckets already moved to <see cref="Future"/> by the rehash: buckets [0, RehashCursor) are moved. Written only by
    /// the thread that holds the owner's rehash flag.
    /// </summary>
    public int RehashCursor { get; set; }

    /// <summary>
    /// The head of bucket <paramref name="index"/>'s chain (null when empty), by reference. Written under the bucket's
    /// lock with Volatile.Write; read by lookups with Volatile.Read.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref RhashEntry<TKey>? Head(int index) => ref _heads[index];

    /// <summary>The lock word of bucket <paramref name="index"/>, by reference.</summary>
    public ref RhashBucketLock LockOf(int index) => ref _locks[index];

    /// <summary>The bucket index of a key whose hash under <see cref="Secret"/> is <paramref name="hash"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int IndexFor(ulong hash) => (int)(hash & _mask);

    /// <summary>Publishes <paramref name="future"/> as the next table (once).</summary>
    public void AttachFuture(RhashBucketTable<TKey> future)
    {
        // Pairs with Volatile.Read in Future: the new table is built before anyone can reach it.
        Volatile.Write(ref _future, future);
    }

    private static ulong NewSecret()
    {
        Span<byte> bytes = stackalloc byte[sizeof(ulong)];
        RandomNumberGenerator.Fill(bytes);
        return BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    }
}
