using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using Reassembly.Concurrency;
using Reassembly.Memory;
using Reassembly.Peers;

namespace Reassembly.Namespaces;

/// <summary>
/// The namespaces an engine has created, found by <see cref="NamespaceKey"/>; a namespace is created on first use.
/// </summary>
/// <remarks>
/// Lookups are lock-free (<see cref="ConcurrentDictionary{TKey, TValue}.TryGetValue"/> takes no lock and allocates
/// nothing for a struct key); creation takes <see cref="_createLock"/>, so that two workers meeting a new namespace at
/// once agree on one object. Workers keep the last namespace they used, so a capture without namespaces (or with one
/// VLAN dominating) does not look up at all. Invariant: <see cref="_inOrder"/> holds every namespace of the table, in
/// creation order; <see cref="ReassemblyNamespace.Index"/> is unique over the table's life.
/// </remarks>
internal sealed class NamespaceTable
{
    private readonly ConcurrentDictionary<NamespaceKey, ReassemblyNamespace> _byKey = new();
    private readonly List<ReassemblyNamespace> _inOrder = [];

    // _inOrder as an array, replaced (never changed) under _createLock: what the background rehash walks without a lock
    // and without allocating. Pairs with the Volatile.Read in RehashStep.
    private ReassemblyNamespace[] _live = [];
    private readonly object _createLock = new();
    private readonly NamespaceSelector _selector;
    private readonly MemoryAccountant _accountant;
    private readonly ReassemblyWorker[] _workers;
    private readonly IReadOnlyDictionary<string, OverlapPolicy> _policies;
    private readonly EpochDomain _epochs;
    private readonly PeerTable? _ipv4Peers;

    // Never reused, so that a namespace created after another was removed cannot share its peers (PeerKey) with it.
    private int _nextIndex;

    public NamespaceTable(NamespaceSelector selector, ReassemblyWorker[] workers, IReadOnlyDictionary<string, OverlapPolicy> policies, EpochDomain epochs, PeerTable? ipv4Peers, MemoryAccountant accountant)
    {
        _accountant = accountant;
        _selector = selector;
        _workers = workers;
        _policies = policies;
        _epochs = epochs;
        _ipv4Peers = ipv4Peers;
    }

    public ReassemblyNamespace GetOrCreate(NamespaceKey key)
    {
        if (_byKey.TryGetValue(key, out ReassemblyNamespace? found))
        {
            return found;
        }

        lock (_createLock)
        {
            if (!_byKey.TryGetValue(key, out found))
            {
                string name = key.Name(_selector);
                found = new ReassemblyNamespace(key, name, _nextIndex++, _workers, _policies.TryGetValue(name, out OverlapPolicy policy) ? policy : null, _epochs, _ipv4Peers, _accountant);
                _inOrder.Add(found);
                Volatile.Write(ref _live, [.. _inOrder]);
                _byKey[key] = found;
            }

            return found;
        }
    }

    /// <summary>Forgets the namespace named <paramref name="name"/>; null if there is none. The caller drops its queues.</summary>
    public ReassemblyNamespace? Remove(string name)
    {
        lock (_createLock)
        {
            int position = _inOrder.FindIndex(n => n.Name == name);
            if (position < 0)
            {
                return null;
            }

            ReassemblyNamespace removed = _inOrder[position];
            _inOrder.RemoveAt(position);
            Volatile.Write(ref _live, [.. _inOrder]);
            _byKey.TryRemove(removed.Key, out _);
            return removed;
        }
    }

    /// <summary>A copy of the namespaces in creation order.</summary>
    /// <summary>
    /// The background half of incremental rehashing (the kernel's deferred rht_deferred_worker): moves up to
    /// <paramref name="buckets"/> buckets of every table that is resizing, so that a table whose inserts and removals
    /// stopped mid-rehash does not leave lookups walking two tables for good. Lock-free; safe on any worker's thread
    /// (a table already being rehashed by another thread is skipped).
    /// </summary>
    public void RehashStep(int buckets)
    {
        foreach (ReassemblyNamespace ns in Volatile.Read(ref _live))
        {
            ns.RehashStep(buckets);
        }
    }

    public ReassemblyNamespace[] Snapshot()
    {
        lock (_createLock)
        {
            return [.. _inOrder];
        }
    }
}
