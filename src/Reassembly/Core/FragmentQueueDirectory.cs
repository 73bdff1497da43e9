using System.Diagnostics;
using System.Security.Cryptography;
using Reassembly.Diagnostics;
using Reassembly.Memory;
using Reassembly.Protocols;

namespace Reassembly.Core;

/// <summary>
/// All fragment queues of one family (Linux's <c>fqdir</c>): a hash table from key to queue, the queues in expiry
/// order, the family's timeout and its counters.
/// </summary>
/// <remarks>
/// <para>Table: separate chaining through <see cref="FragmentQueue.HashNext"/>, power-of-two bucket count, doubled
/// when the load passes 3/4 and halved below 1/8, with a random per-table hash secret.</para>
/// <para>Expiry: every queue's deadline is the clock at its creation plus one fixed timeout, and the clock never goes
/// back, so creation order is deadline order and a doubly linked list (oldest first) gives O(1) arm, cancel and
/// expiry, the same as Linux's per-queue timer armed once in <c>inet_frag_create</c>.</para>
/// <para>Invariants: a queue is in the table if and only if it is in the expiry list; the list's deadlines never
/// decrease from oldest to newest; <see cref="Count"/> is the number of queues in both. Single-threaded.</para>
/// </remarks>
internal sealed class FragmentQueueDirectory
{
    private const int InitialBuckets = 1024;

    private readonly ulong _secret = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
    private readonly DatagramBufferPool _buffers;
    private FragmentQueue?[] _buckets = new FragmentQueue?[InitialBuckets];
    private FragmentQueue? _oldest;
    private FragmentQueue? _newest;
    private FragmentQueue[] _spare = new FragmentQueue[64];
    private int _spareCount;

    /// <summary>The family's counters; the engine increments them in place.</summary>
    public FamilyCounters Counters;

    public FragmentQueueDirectory(FragmentProtocol protocol, long timeoutNanoseconds, DatagramBufferPool buffers)
    {
        Protocol = protocol;
        TimeoutNanoseconds = timeoutNanoseconds;
        _buffers = buffers;
    }

    public FragmentProtocol Protocol { get; }

    public long TimeoutNanoseconds { get; }

    public int Count { get; private set; }

    /// <summary>Finds the queue for <paramref name="key"/>, or creates one whose deadline is now plus the timeout.</summary>
    public FragmentQueue FindOrCreate(in FragmentKey key, long nowNanoseconds)
    {
        ulong hash = key.Hash(_secret);
        int bucket = (int)hash & (_buckets.Length - 1);
        for (FragmentQueue? queue = _buckets[bucket]; queue is not null; queue = queue.HashNext)
        {
            if (queue.Hash == hash && queue.Key.Equals(key))
            {
                return queue;
            }
        }

        FragmentQueue created = _spareCount > 0 ? _spare[--_spareCount] : new FragmentQueue();
        created.Initialize(key, hash, nowNanoseconds + TimeoutNanoseconds);
        created.HashNext = _buckets[bucket];
        _buckets[bucket] = created;
        created.Older = _newest;
        if (_newest is null)
        {
            _oldest = created;
        }
        else
        {
            _newest.Newer = created;
        }

        _newest = created;
        Count++;
        if (Count > _buckets.Length - (_buckets.Length >> 2))
        {
            Rehash(_buckets.Length * 2);
        }

        return created;
    }

    /// <summary>Unhashes a queue, returns its buffer (if it still owns one) and recycles it (Linux: kill then destroy).</summary>
    public void Remove(FragmentQueue queue)
    {
        int bucket = (int)queue.Hash & (_buckets.Length - 1);
        ref FragmentQueue? link = ref _buckets[bucket];
        while (link != queue)
        {
            Debug.Assert(link is not null, "A live queue is always in its bucket's chain.");
            link = ref link!.HashNext;
        }

        link = queue.HashNext;
        if (queue.Older is null)
        {
            _oldest = queue.Newer;
        }
        else
        {
            queue.Older.Newer = queue.Newer;
        }

        if (queue.Newer is null)
        {
            _newest = queue.Older;
        }
        else
        {
            queue.Newer.Older = queue.Older;
        }

        queue.ReleaseBuffer(_buffers);
        queue.HashNext = queue.Older = queue.Newer = null;
        Count--;
        if (_spareCount == _spare.Length)
        {
            Array.Resize(ref _spare, _spare.Length * 2);
        }

        _spare[_spareCount++] = queue;
        if (Count < (_buckets.Length >> 3) && _buckets.Length > InitialBuckets)
        {
            Rehash(_buckets.Length >> 1);
        }
    }

    /// <summary>Expires every queue whose deadline is at or before <paramref name="nowNanoseconds"/> (ip_expire).</summary>
    public void ExpireUntil(long nowNanoseconds)
    {
        while (_oldest is not null && _oldest.DeadlineNanoseconds <= nowNanoseconds)
        {
            Expire(_oldest);
        }
    }

    /// <summary>Expires every queue: the end of a capture, where nothing more can arrive.</summary>
    public void ExpireAll()
    {
        while (_oldest is not null)
        {
            Expire(_oldest);
        }
    }

    /// <summary>Drops every queue without counting (a reset between benchmark passes) and zeroes the counters.</summary>
    public void Reset()
    {
        while (_oldest is not null)
        {
            Remove(_oldest);
        }

        Counters = default;
    }

    private void Expire(FragmentQueue queue)
    {
        Counters.ReasmTimeout++;
        Counters.ReasmFails++;
        Remove(queue);
    }

    private void Rehash(int bucketCount)
    {
        var buckets = new FragmentQueue?[bucketCount];
        int mask = bucketCount - 1;
        foreach (FragmentQueue? head in _buckets)
        {
            FragmentQueue? queue = head;
            while (queue is not null)
            {
                FragmentQueue? next = queue.HashNext;
                int bucket = (int)queue.Hash & mask;
                queue.HashNext = buckets[bucket];
                buckets[bucket] = queue;
                queue = next;
            }
        }

        _buckets = buckets;
    }
}
