using System.Diagnostics;
using Reassembly.Concurrency;
using Reassembly.Diagnostics;
using Reassembly.Memory;
using Reassembly.Peers;
using Reassembly.Protocols;

namespace Reassembly.Core;

/// <summary>
/// One worker's share of the fragment queues of one family in one namespace (Linux's <c>fqdir</c>): the namespace's
/// shared table of queues, the counters, and the worker's pools and timer wheel.
/// </summary>
/// <remarks>
/// <para>Table: one <see cref="RhashTable{TKey, TEntry}"/> per namespace and family, shared by every worker (the
/// kernel's rhashtable per fqdir): lookups take no lock and run inside an epoch read scope; inserts and removals take
/// the bucket's lock. Frames are steered by source, so every queue is created, filled and removed by one worker, the
/// one whose directory it names (<see cref="FragmentQueue.Directory"/>); other workers only walk past it.</para>
/// <para>Recycling: a removed queue is retired to the epoch domain and reused only after a grace period, so a lookup
/// walking a chain never meets a queue that has become another datagram's.</para>
/// <para>Invariants: a queue is in the table if and only if its timer is armed in its worker's wheel (or, within an
/// expiry pass, has fired and waits in the worker's expiry list); <see cref="Count"/> is
/// the number of queues of this directory in the table. Touched only by the worker that owns it.</para>
/// </remarks>
internal sealed class FragmentQueueDirectory
{
    private const string SteeringViolation =
        "Fragments of one datagram reached two workers: steer every frame by ClassifiedFrame.SteeringHash.";

    private readonly DatagramBufferPool _buffers;
    private readonly ReassemblyWorker _worker;
    private readonly FragmentQueuePool _queues;
    private readonly RhashTable<FragmentKey, FragmentQueue> _table;
    private readonly EpochDomain _epochs;
    private readonly PeerTable? _peers;

    /// <summary>The family's counters in this namespace for this worker; the worker increments them in place.</summary>
    public FamilyCounters Counters;

    /// <summary>The peer table, when the IP-ID distance rule is on for this family.</summary>
    public PeerTable? Peers => _peers;

    public FragmentQueueDirectory(FragmentProtocol protocol, ReassemblyWorker worker, RhashTable<FragmentKey, FragmentQueue> table, EpochDomain epochs, PeerTable? peers, int namespaceIndex, string namespaceName, OverlapPolicy? namespacePolicy, WorkerNamespaceMemory memory)
    {
        Memory = memory;
        _peers = peers;
        Protocol = protocol;
        NamespaceIndex = namespaceIndex;
        NamespaceName = namespaceName;
        NamespacePolicy = namespacePolicy;
        _buffers = worker.Buffers;
        _queues = worker.Queues;
        _worker = worker;
        _table = table;
        _epochs = epochs;
    }

    public FragmentProtocol Protocol { get; }

    /// <summary>The worker's share of the namespace's memory account (shared with the other family's directory).</summary>
    public WorkerNamespaceMemory Memory { get; }

    /// <summary>The namespace's position in its engine (the peer table keys on it).</summary>
    public int NamespaceIndex { get; }

    /// <summary>The name of the namespace the directory belongs to (anomaly events carry it).</summary>
    public string NamespaceName { get; }

    /// <summary>The namespace's overlap policy, or null for the family defaults.</summary>
    public OverlapPolicy? NamespacePolicy { get; }

    public int Count { get; private set; }

    /// <summary>Finds the queue for <paramref name="key"/>, or creates one whose deadline is now plus <paramref name="timeoutNanoseconds"/>.</summary>
    /// <exception cref="InvalidOperationException">Another worker holds the queue: frames were not steered by source.</exception>
    public FragmentQueue FindOrCreate(in FragmentKey key, long nowNanoseconds, long timeoutNanoseconds)
    {
        FragmentQueue? found = Lookup(in key);

        // Outside the scope: a queue of ours is retired only by us, so it stays this datagram's while we use it.
        if (found is not null)
        {
            return found.Directory == this ? found : throw new InvalidOperationException(SteeringViolation);
        }

        FragmentQueue created = _queues.Rent();
        created.Initialize(key, nowNanoseconds + timeoutNanoseconds, this);
        if (_table.InsertIfAbsent(created) != created)
        {
            // A queue of ours is in the table for the whole lookup, and the table finds such entries: the one there is
            // another worker's.
            _queues.ReturnUnpublished(created);
            throw new InvalidOperationException(SteeringViolation);
        }

        _worker.ArmTimer(created);
        Count++;
        return created;
    }

    /// <summary>True when a queue for <paramref name="key"/> exists (refuse mode asks before creating one).</summary>
    public bool Contains(in FragmentKey key) => Lookup(in key) is not null;

    private FragmentQueue? Lookup(in FragmentKey key)
    {
        if (_queues.NeedsReadScope)
        {
            using (_epochs.EnterRead())
            {
                return _table.Lookup(in key);
            }
        }

        // The only worker: no one else removes (or recycles) a queue while this lookup walks.
        return _table.Lookup(in key);
    }

    /// <summary>
    /// Unhashes a queue, returns its buffer (if it still owns one) and retires it for reuse after a grace period
    /// (Linux: kill, then destroy after RCU), dropping its peer reference (inet_putpeer in ip4_frag_free).
    /// </summary>
    public void Remove(FragmentQueue queue)
    {
        Debug.Assert(queue.Directory == this, "A queue is removed through its own directory.");
        bool removed = _table.Remove(queue);
        Debug.Assert(removed, "A live queue is always in its namespace's table.");
        _worker.CancelTimer(queue);
        queue.ReleaseBuffer(_buffers);
        if (queue.Peer is { } peer)
        {
            queue.Peer = null;
            _peers!.Release(peer, queue.LastArrivalNanoseconds);
        }

        queue.Directory = null;
        Count--;
        _queues.Retire(queue);
    }

    /// <summary>
    /// Empties a queue that stays (Linux's <c>ip_frag_reinit</c>): its fragments go, and its timer restarts from now.
    /// </summary>
    public void Restart(FragmentQueue queue, long nowNanoseconds, long timeoutNanoseconds)
    {
        queue.DropFragments(_buffers);
        _worker.CancelTimer(queue);
        queue.DeadlineNanoseconds = nowNanoseconds + timeoutNanoseconds;
        _worker.ArmTimer(queue);
    }

    /// <summary>Expires one queue: its timeout passed, or the input ended (ip_expire).</summary>
    public void Expire(FragmentQueue queue)
    {
        Counters.ReasmTimeout++;
        Counters.ReasmFails++;
        Remove(queue);
    }
}
