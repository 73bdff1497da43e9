using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Threading;

namespace Reassembly.Concurrency;

/// <summary>
/// One bucket array of an <see cref="RhashTable{TKey, TEntry}"/>, with its own hash secret and a link to the table
/// that succeeds it while a rehash is in flight (Linux's <c>bucket_table</c> and its <c>future_tbl</c>). Three
/// allocations, one entry per bucket in each: a 16-bit filter (what a miss reads), the chain head (what a hit reads
/// next) and the lock word (what writers take).
/// </summary>
internal sealed class RhashBucketTable<TKey>
    where TKey : struct
{
    // Chain heads in a struct array: a `ref` to an element of a reference-type array costs a covariance check (a
    // CORINFO_HELP_LDELEMA_REF call on every lookup); a struct array has none.
    private readonly Bucket[] _buckets;
    private readonly ushort[] _filters;
    private readonly RhashBucketLock[] _locks;

    // Size - 1; every array above has Size elements, so an index masked with it needs no bounds check.
    private readonly int _mask;
    private RhashBucketTable<TKey>? _future;

    // On a line of its own: the rehasher writes it at every step, and the fields above are what every lookup on every
    // core reads first (a cursor beside them would cost the other core's lookups a miss per step).
    private CacheLinePadded _rehashCursor;

    public RhashBucketTable(object owner, int size)
    {
        Debug.Assert(size > 0 && (size & (size - 1)) == 0, "A table has a power-of-two number of buckets.");
        Owner = owner;
        Secret = NewSecret();
        _mask = size - 1;
        _buckets = new Bucket[size];
        _filters = new ushort[size];
        _locks = new RhashBucketLock[size];
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
    public RhashBucketTable<TKey>? Future => Volatile.Read(ref _future);

    /// <summary>
    /// Buckets already moved to <see cref="Future"/> by the rehash: buckets [0, RehashCursor) are moved. Written only by
    /// the thread that holds the owner's rehash flag, once per rehash step.
    /// </summary>
    public int RehashCursor
    {
        // Value, not OwnerWord: whatever the object's alignment, the line holding Value lies inside the padding.
        get => (int)_rehashCursor.Value;
        set => _rehashCursor.Value = value;
    }

    /// <summary>
    /// The head of bucket <paramref name="index"/>'s chain (null when empty), by reference. Written under the bucket's
    /// lock with Volatile.Write; read by lookups with Volatile.Read.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref RhashEntry<TKey>? Head(int index) => ref _buckets[index].Head;

    /// <summary>
    /// The filter of bucket <paramref name="index"/>, by reference: the OR of <see cref="FilterBit"/> over the entries
    /// in its chain (and perhaps over some that left it), 0 for an empty bucket that is not moved. Written under the
    /// bucket's lock with Volatile.Write, before a new entry is published in the chain; read by lookups with
    /// Volatile.Read, before the head.
    /// </summary>
    public ref ushort Filter(int index) => ref _filters[index];

    /// <summary>
    /// Sets the filter bit of a key whose hash is <paramref name="hash"/> in bucket <paramref name="index"/> (lock held),
    /// with a release store: call it before the entry is published in the chain, so a lookup that finds the entry
    /// through the head also sees its bit (pairs with the Volatile.Read in <see cref="FilterAdmits"/>).
    /// </summary>
    public void AddToFilter(int index, ulong hash)
    {
        ref ushort filter = ref _filters[index];
        Volatile.Write(ref filter, (ushort)(filter | FilterBit(hash)));
    }

    /// <summary>The lock word of bucket <paramref name="index"/>, by reference.</summary>
    public ref RhashBucketLock LockOf(int index) => ref _locks[index];

    /// <summary>The bucket index of a key whose hash under <see cref="Secret"/> is <paramref name="hash"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int IndexFor(ulong hash) => (int)hash & _mask;

    /// <summary>
    /// The filter bit of a key whose hash is <paramref name="hash"/>: one of 16, chosen by the top four bits, which the
    /// bucket index (the low bits) does not use, so that keys sharing a bucket still spread over the filter.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort FilterBit(ulong hash) => (ushort)(1 << (int)(hash >> 60));

    /// <summary>
    /// The lookup's first read: whether bucket <paramref name="index"/>'s filter (acquire) has the bit of
    /// <paramref name="hash"/>. If not, no entry with that hash is in the chain (one that is being linked may be).
    /// </summary>
    /// <param name="index">An index from <see cref="IndexFor"/> (not range-checked again).</param>
    /// <param name="hash">The hash the index came from.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool FilterAdmits(int index, ulong hash)
    {
        Debug.Assert((uint)index < (uint)_filters.Length, "The index comes from IndexFor.");
        int filter = Volatile.Read(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_filters), index));
        return (filter & FilterBit(hash)) != 0;
    }

    /// <summary>As <see cref="Head"/>, for an index from <see cref="IndexFor"/> (the mask keeps it in range).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref RhashEntry<TKey>? HeadAt(int index)
    {
        Debug.Assert((uint)index < (uint)_buckets.Length, "The index comes from IndexFor.");
        return ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_buckets), index).Head;
    }

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

    // A one-field struct, only so that the array is not of a reference type (see _buckets).
    private struct Bucket
    {
        public RhashEntry<TKey>? Head;
    }
}
