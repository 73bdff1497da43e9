using Reassembly.Concurrency;
using Reassembly.Core;
using Reassembly.Peers;
using Reassembly.Diagnostics;
using Reassembly.Memory;
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
    public ReassemblyNamespace(NamespaceKey key, string name, int index, ReassemblyWorker[] workers, OverlapPolicy? policy, EpochDomain epochs, PeerTable? ipv4Peers, MemoryAccountant accountant)
    {
        Account = accountant.CreateAccount(name);
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
            var memory = new WorkerNamespaceMemory(accountant, Account);
            Ipv4[w] = new FragmentQueueDirectory(Ipv4FragmentProtocol.Instance, worker, Ipv4Table, epochs, ipv4Peers, index, name, policy, memory);
            Ipv6[w] = new FragmentQueueDirectory(Ipv6FragmentProtocol.Instance, worker, Ipv6Table, epochs, null, index, name, policy, memory);
            Lowpan[w] = new FragmentQueueDirectory(LowpanFragmentProtocol.Instance, worker, LowpanTable, epochs, null, index, name, policy, memory);
        }
    }

    public NamespaceKey Key { get; }

    /// <summary>The namespace's fragment memory, charged by every worker (through <see cref="FragmentQueueDirectory.Memory"/>).</summary>
    public NamespaceAccount Account { get; }

    /// <summary>Memory in use now: what the workers folded into <see cref="Account"/> plus what they hold unfolded. No worker may run.</summary>
    public long MemoryInUse
    {
        get
        {
            long used = Account.UsedBytes;
            foreach (FragmentQueueDirectory directory in Ipv4)
            {
                used += directory.Memory.Pending;
            }

            return used;
        }
    }

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

    /// <summary>Runs a background rehash step on each of the namespace's tables (see <see cref="NamespaceTable.RehashStep"/>).</summary>
    public void RehashStep(int buckets)
    {
        Ipv4Table.RehashStep(buckets);
        Ipv6Table.RehashStep(buckets);
        LowpanTable.RehashStep(buckets);
    }

    /// <summary>Folds every worker's pending usage into <see cref="Account"/>. No worker may run.</summary>
    public void FoldMemory()
    {
        foreach (FragmentQueueDirectory directory in Ipv4)
        {
            directory.Memory.FoldAll();
        }
    }

    /// <summary>Forgets the namespace's memory high-water mark (an engine reset).</summary>
    public void ResetMemoryPeak()
    {
        Account.ResetPeak();
        foreach (FragmentQueueDirectory directory in Ipv4)
        {
            directory.Memory.ResetPeak();
        }
    }

    /// <summary>
    /// The most memory the namespace held: exact with one worker; with several, the sum of each worker's own peak (an
    /// upper bound: the workers' peaks need not coincide), or the shared account's folded peak if higher. No worker may run.
    /// </summary>
    public long PeakMemory
    {
        get
        {
            long sum = 0;
            foreach (FragmentQueueDirectory directory in Ipv4)
            {
                sum += directory.Memory.PeakHeldBytes;
            }

            return Math.Max(sum, Account.PeakBytes);
        }
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
