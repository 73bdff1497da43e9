using Reassembly.Concurrency;
using Reassembly.Core;
using Reassembly.Peers;
using Reassembly.Diagnostics;
using Reassembly.Lowpan;
using Reassembly.Protocols;

namespace Reassembly.Namespaces;

/// <summary>
/// One reassembly namespace (the kernel's per-netns <c>fqdir</c> set): one shared table each of IPv4, IPv6 and 6LoWPAN
/// queues (RCU-style rhashtables, every worker looks up in them), and per worker its directory of counters and pools,
/// so that no two threads ever write one queue or one counter line.
/// </summary>
/// <remarks>
/// Created on first use by <see cref="NamespaceTable"/>; <see cref="Ipv4"/>[w] and <see cref="Ipv6"/>[w] are touched
/// only by worker w. Statistics are the sum over workers, read when no worker runs.
/// </remarks>
internal sealed class ReassemblyNamespace
{
    public ReassemblyNamespace(NamespaceKey key, string name, int index, ReassemblyWorker[] workers, OverlapPolicy? policy, EpochDomain epochs, PeerTable? ipv4Peers)
    {
        Ipv4Table = new RhashTable<FragmentKey, FragmentQueue>();
        Ipv6Table = new RhashTable<FragmentKey, FragmentQueue>();
        LowpanTable = new RhashTable<FragmentKey, FragmentQueue>();
        Key = key;
        Name = name;
        Index = index;
        Policy = policy;
        Ipv4 = new FragmentQueueDirectory[workers.Length];
        Ipv6 = new FragmentQueueDirectory[workers.Length];
        Lowpan = new FragmentQueueDirectory[workers.Length];
        for (int w = 0; w < workers.Length; w++)
        {
            ReassemblyWorker worker = workers[w];
            Ipv4[w] = new FragmentQueueDirectory(Ipv4FragmentProtocol.Instance, worker, worker.Ipv4Expiry, Ipv4Table, epochs, ipv4Peers, index, name, policy);
            Ipv6[w] = new FragmentQueueDirectory(Ipv6FragmentProtocol.Instance, worker, worker.Ipv6Expiry, Ipv6Table, epochs, null, index, name, policy);
            Lowpan[w] = new FragmentQueueDirectory(LowpanFragmentProtocol.Instance, worker, worker.LowpanExpiry, LowpanTable, epochs, null, index, name, policy);
        }
    }

    public NamespaceKey Key { get; }

    public string Name { get; }

    /// <summary>The namespace's overlap policy (<see cref="ReassemblyOptions.NamespacePolicies"/>), or null for the family defaults.</summary>
    public OverlapPolicy? Policy { get; }

    /// <summary>A number unique to this namespace over its engine's life (creation order; the peer table keys on it).</summary>
    public int Index { get; }

    /// <summary>The namespace's IPv4 queues, shared by every worker.</summary>
    public RhashTable<FragmentKey, FragmentQueue> Ipv4Table { get; }

    /// <summary>The namespace's IPv6 queues, shared by every worker.</summary>
    public RhashTable<FragmentKey, FragmentQueue> Ipv6Table { get; }

    /// <summary>The namespace's 6LoWPAN queues, shared by every worker (the kernel's <c>netns_ieee802154_lowpan.fqdir</c>).</summary>
    public RhashTable<FragmentKey, FragmentQueue> LowpanTable { get; }

    public FragmentQueueDirectory[] Ipv4 { get; }

    public FragmentQueueDirectory[] Ipv6 { get; }

    public FragmentQueueDirectory[] Lowpan { get; }

    public int QueuesInUse
    {
        get
        {
            int count = 0;
            for (int w = 0; w < Ipv4.Length; w++)
            {
                count += Ipv4[w].Count + Ipv6[w].Count + Lowpan[w].Count;
            }

            return count;
        }
    }

    public FamilyStatistics Snapshot(IpFamily family)
    {
        FragmentQueueDirectory[] directories = family switch { IpFamily.Ipv4 => Ipv4, IpFamily.Lowpan => Lowpan, _ => Ipv6 };
        FamilyCounters sum = default;
        foreach (FragmentQueueDirectory directory in directories)
        {
            sum.Add(in directory.Counters);
        }

        return sum.ToStatistics();
    }

    public void ResetCounters()
    {
        for (int w = 0; w < Ipv4.Length; w++)
        {
            Ipv4[w].Counters = default;
            Ipv6[w].Counters = default;
            Lowpan[w].Counters = default;
        }
    }
}
