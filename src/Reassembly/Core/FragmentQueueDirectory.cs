using System.Diagnostics;
using System.Security.Cryptography;
using Reassembly.Diagnostics;
using Reassembly.Memory;
using Reassembly.Protocols;

namespace Reassembly.Core;

/// <summary>
/// The fragment queues of one family in one namespace (Linux's <c>fqdir</c>) that one worker handles: a hash table
/// from key to queue, and the counters.
/// </summary>
/// <remarks>
/// <para>Table: separate chaining through <see cref="FragmentQueue.HashNext"/>, power-of-two bucket count, doubled
/// when the load passes 3/4 and halved below 1/8, with a random per-table hash secret.</para>
/// <para>Expiry: queues are also in their worker's <see cref="ExpiryList"/> for the family, which spans every
/// namespace, so that advancing the clock costs nothing per namespace.</para>
/// <para>Invariants: a queue is in the table if and only if it is in the expiry list; <see cref="Count"/> is the
/// number of queues in the table; every queue in the table has <see cref="FragmentQueue.Directory"/> == this.
/// Touched only by the worker that owns it.</para>
/// </remarks>
internal sealed class FragmentQueueDirectory
{
    private const int InitialBuckets = 64;

    private readonly ulong _secret = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
    private readonly DatagramBufferPool _buffers;
    private readonly ExpiryList _expiry;
    private readonly FragmentQueuePool _queues;
    private FragmentQueue?[] _buckets = new FragmentQueue?[InitialBuckets];

    /// <summary>The family's counters in this namespace for this worker; the worker increments them in place.</summary>
    public FamilyCounters Counters;

    public FragmentQueueDirectory(FragmentProtocol protocol, DatagramBufferPool buffers, ExpiryList expiry, FragmentQueuePool queues, string namespaceName, OverlapPolicy? namespacePolicy)
    {
        Protocol = protocol;
        NamespaceName = namespaceName;
        NamespacePolicy = namespacePolicy;
        _buffers = buffers;
        _expiry = expiry;
        _queues = queues;
    }

    public FragmentProtocol Protocol { get; }

    /// <summary>The name of the namespace the directory belongs to (anomaly events carry it).</summary>
    public string NamespaceName { get; }

    /// <summary>The namespace's overlap policy, or null for the family defaults.</summary>
    public OverlapPolicy? NamespacePolicy { get; }

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

        FragmentQueue created = _queues.Rent();
        created.Initialize(key, hash, nowNanoseconds + _expiry.TimeoutNanoseconds, this);
        created.HashNext = _buckets[bucket];
        _buckets[bucket] = created;
        _expiry.Append(created);
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
        Debug.Assert(queue.Directory == this, "A queue is removed through its own directory.");
        int bucket = (int)queue.Hash & (_buckets.Length - 1);
        ref FragmentQueue? link = ref _buckets[bucket];
        while (link != queue)
        {
            Debug.Assert(link is not null, "A live queue is always in its bucket's chain.");
            link = ref link!.HashNext;
        }

        link = queue.HashNext;
        _expiry.Unlink(queue);
        queue.ReleaseBuffer(_buffers);
        queue.HashNext = null;
        queue.Directory = null;
        Count--;
        _queues.Return(queue);
        if (Count < (_buckets.Length >> 3) && _buckets.Length > InitialBuckets)
        {
            Rehash(_buckets.Length >> 1);
        }
    }

    /// <summary>Expires one queue: its timeout passed, or the input ended (ip_expire).</summary>
    public void Expire(FragmentQueue queue)
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
