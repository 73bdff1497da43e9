using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Threading;

namespace Reassembly.Concurrency;

/// <summary>
/// One bucket array of an <see cref="RhashTable{TKey, TEntry}"/>, with its own hash secret and a link to the table
/// that succeeds it while a rehash is in flight (Linux's <c>bucket_table</c> and its <c>future_tbl</c>).
/// </summary>
internal sealed class RhashBucketTable
{
    private readonly RhashBucket[] _buckets;
    private readonly ulong _mask;
    private RhashBucketTable? _future;

    public RhashBucketTable(object owner, int size)
    {
        Owner = owner;
        _mask = (ulong)size - 1;
        Secret = NewSecret();
        _buckets = new RhashBucket[size];
        for (int i = 0; i < size; i++)
        {
            _buckets[i] = new RhashBucket(this, i);
        }
    }

    /// <summary>The <see cref="RhashTable{TKey, TEntry}"/> the table belongs to.</summary>
    public object Owner { get; }

    /// <summary>The number of buckets (a power of two).</summary>
    public int Size => _buckets.Length;

    /// <summary>The random key of this table's hash.</summary>
    public ulong Secret { get; }

    /// <summary>
    /// The next table of the chain, or null for the newest. Set once, with a release store, before any entry can be
    /// moved or inserted into it; read with Volatile.Read after the chain walk of this table (Linux's smp_rmb before
    /// reading future_tbl), so a lookup that missed an entry here because it moved also finds the table it moved to.
    /// </summary>
    public RhashBucketTable? Future => Volatile.Read(ref _future);

    /// <summary>
    /// Buckets already moved to <see cref="Future"/> by the rehash: buckets [0, RehashCursor) are moved. Written only by
    /// the thread that holds the owner's rehash flag.
    /// </summary>
    public int RehashCursor { get; set; }

    /// <summary>The bucket at <paramref name="index"/>.</summary>
    public RhashBucket this[int index] => _buckets[index];

    /// <summary>The bucket of <paramref name="key"/> in this table.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RhashBucket BucketFor<TKey>(in TKey key)
        where TKey : struct, IHashKey<TKey>
    {
        // Unsafe.AsRef avoids the defensive copy the compiler makes to call an interface method on an `in` struct.
        ulong hash = Unsafe.AsRef(in key).Hash(Secret);
        return _buckets[(int)(hash & _mask)];
    }

    /// <summary>Publishes <paramref name="future"/> as the next table (once).</summary>
    public void AttachFuture(RhashBucketTable future)
    {
        // Pairs with Volatile.Read in Future: the new table's buckets are built before anyone can reach them.
        Volatile.Write(ref _future, future);
    }

    private static ulong NewSecret()
    {
        Span<byte> bytes = stackalloc byte[sizeof(ulong)];
        RandomNumberGenerator.Fill(bytes);
        return BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    }
}
