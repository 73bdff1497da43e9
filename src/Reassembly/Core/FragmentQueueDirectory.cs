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
/// when the load passes 3/4 and halved below 1/8, with a random per-table hash secret. Each bucket also holds a tag:
/// its head queue's hash with bit 0 replaced by "the chain goes on". A lookup for a new datagram usually lands on a
/// bucket whose only queue is one that will never complete (its fragments were lost); the tag lets it decide without
/// loading that queue's cache line, which the profile showed was most of the lookup's cost. Each queue likewise holds
/// its successor's tag (<see cref="FragmentQueue.HashNextTag"/>), so unlinking the head does not load the successor.</para>
/// <para>Expiry: queues are also in their worker's <see cref="ExpiryList"/> for the family, which spans every
/// namespace, so that advancing the clock costs nothing per namespace.</para>
/// <para>Invariants: a queue is in the table if and only if it is in the expiry list; <see cref="Count"/> is the
/// number of queues in the table; every queue in the table has <see cref="FragmentQueue.Directory"/> == this.
/// Touched only by the worker that owns it.</para>
/// </remarks>
internal sealed class FragmentQueueDirectory
{
    private const int InitialBuckets = 64;

    /// <summary>Bit 0 of a bucket tag: the chain has more than its head.</summary>
    private const ulong ChainContinues = 1;

    private readonly ulong _secret = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
    private readonly DatagramBufferPool _buffers;
    private readonly ExpiryList _expiry;
    private readonly FragmentQueuePool _queues;
    private Bucket[] _buckets = new Bucket[InitialBuckets];

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
        Bucket[] buckets = _buckets;
        ref Bucket slot = ref buckets[(int)hash & (buckets.Length - 1)];
        FragmentQueue? queue = slot.Head;
        if (queue is not null)
        {
            ulong tag = slot.Tag;
            if (((tag ^ hash) & ~ChainContinues) == 0 && queue.Key.Equals(key))
            {
                return queue;
            }

            // Each queue holds its successor's tag, so a successor whose hash differs is never loaded.
            while ((tag & ChainContinues) != 0)
            {
                tag = queue.HashNextTag;
                queue = queue.HashNext!;
                if (((tag ^ hash) & ~ChainContinues) == 0 && queue.Key.Equals(key))
                {
                    return queue;
                }
            }
        }

        FragmentQueue created = _queues.Rent();
        created.Initialize(key, hash, nowNanoseconds + _expiry.TimeoutNanoseconds, this);
        PushHead(ref slot, created);
        AssertChainTags(in slot);
        _expiry.Append(created);
        Count++;
        if (Count > buckets.Length - (buckets.Length >> 2))
        {
            Rehash(buckets.Length * 2);
        }

        return created;
    }

    /// <summary>Unhashes a queue, returns its buffer (if it still owns one) and recycles it (Linux: kill then destroy).</summary>
    public void Remove(FragmentQueue queue)
    {
        Debug.Assert(queue.Directory == this, "A queue is removed through its own directory.");
        ref Bucket slot = ref _buckets[(int)queue.Hash & (_buckets.Length - 1)];
        FragmentQueue? head = slot.Head;
        Debug.Assert(head is not null, "A live queue is always in its bucket's chain.");
        if (head == queue)
        {
            // The usual case (a datagram completes soon after it starts, so it is still the newest in its chain): the
            // successor's tag is at hand, and the successor (often a cold, never-completing queue) is not touched.
            slot.Head = queue.HashNext;
            slot.Tag = queue.HashNextTag;
        }
        else
        {
            ref FragmentQueue? link = ref head!.HashNext;
            while (link != queue)
            {
                Debug.Assert(link is not null, "A live queue is always in its bucket's chain.");
                link = ref link!.HashNext;
            }

            link = queue.HashNext;
            RetagChain(ref slot);
        }

        AssertChainTags(in slot);

        _expiry.Unlink(queue);
        queue.ReleaseBuffer(_buffers);
        queue.HashNext = null;
        queue.HashNextTag = 0;
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
        var buckets = new Bucket[bucketCount];
        int mask = bucketCount - 1;
        foreach (Bucket old in _buckets)
        {
            FragmentQueue? queue = old.Head;
            while (queue is not null)
            {
                FragmentQueue? next = queue.HashNext;
                PushHead(ref buckets[(int)queue.Hash & mask], queue);
                queue = next;
            }
        }

        _buckets = buckets;
    }

    /// <summary>Links <paramref name="queue"/> in front of the chain, moving the old head's tag into it.</summary>
    private static void PushHead(ref Bucket slot, FragmentQueue queue)
    {
        queue.HashNext = slot.Head;
        queue.HashNextTag = slot.Tag;
        slot.Tag = (queue.Hash & ~ChainContinues) | (slot.Head is null ? 0 : ChainContinues);
        slot.Head = queue;
    }

    /// <summary>Recomputes every tag of a chain after an unlink inside it (rare: only collisions get there).</summary>
    private static void RetagChain(ref Bucket slot)
    {
        ref ulong tag = ref slot.Tag;
        for (FragmentQueue? queue = slot.Head; queue is not null; queue = queue.HashNext)
        {
            tag = (queue.Hash & ~ChainContinues) | (queue.HashNext is null ? 0 : ChainContinues);
            tag = ref queue.HashNextTag;
        }

        tag = 0;
    }

    /// <summary>Every tag of the chain is its queue's hash, bit 0 set exactly when another queue follows.</summary>
    [Conditional("DEBUG")]
    private static void AssertChainTags(in Bucket slot)
    {
        ulong tag = slot.Tag;
        for (FragmentQueue? queue = slot.Head; queue is not null; queue = queue.HashNext)
        {
            Debug.Assert(tag == ((queue.Hash & ~ChainContinues) | (queue.HashNext is null ? 0 : ChainContinues)), "A tag matches its queue.");
            tag = queue.HashNextTag;
        }

        Debug.Assert(tag == 0, "The end of a chain has tag 0.");
    }

    /// <summary>
    /// A chain's head and its tag: the head's <see cref="FragmentQueue.Hash"/> but for bit 0, which is
    /// <see cref="ChainContinues"/> when more queues follow the head (0 for an empty chain).
    /// </summary>
    private struct Bucket
    {
        public FragmentQueue? Head;
        public ulong Tag;
    }
}
