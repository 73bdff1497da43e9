using System.Runtime.CompilerServices;
using Reassembly.Core;
using Reassembly.Diagnostics;
using Reassembly.Memory;
using Reassembly.Namespaces;
using Reassembly.Parsing;

namespace Reassembly;

// Memory limits (issue 5): charging queues' truesize, eviction and refusal, kept out of the per-fragment flow but
// for one inlined charge after each accepted fragment (a handful of plain adds; see WorkerNamespaceMemory).
public sealed partial class ReassemblyWorker
{
    // True inside ExpireAll: queues expire because the input ended, not because their time passed.
    private bool _expiringAtEnd;

    /// <summary>A queue's first fragment: it joins its directory's age list.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TrackNewQueue(FragmentQueueDirectory directory, FragmentQueue queue) =>
        directory.Memory.Track(queue, queue.Key.Family);

    /// <summary>After a fragment went into a queue that lives on: charge what the queue grew by, evict if a limit was passed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ChargeGrowth(FragmentQueueDirectory directory, FragmentQueue queue)
    {
        if (directory.Memory.Charge(queue, queue.TrueSizeBytes))
        {
            Relieve(directory.Memory);
        }
    }

    /// <summary>Refuse mode, before a lookup that may create a queue: true when the fragment is refused (and counted).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool RefusesNewQueue(FragmentQueueDirectory directory, in FragmentDescriptor fragment, long timestampNanoseconds) =>
        directory.Memory.Refuses && directory.Memory.IsFull && Refuse(directory, in fragment, timestampNanoseconds);

    private bool Refuse(FragmentQueueDirectory directory, in FragmentDescriptor fragment, long timestampNanoseconds)
    {
        // Fragments of datagrams already held still go in: refusing them would throw away work done (Linux since 4.17
        // refuses at the lookup, every fragment alike; we refuse only what would start a datagram, as the issue asks).
        if (directory.Contains(in fragment.Key))
        {
            return false;
        }

        ref FamilyCounters counters = ref directory.Counters;
        counters.Refused++;
        counters.ReasmFails++;
        Report(AnomalyKind.Refusal, in fragment, timestampNanoseconds);
        return true;
    }

    /// <summary>
    /// Evict mode, after a fold took the namespace past its high threshold (or all past the global cap): evicts this
    /// worker's queues of the namespace, a peer over its fair share first, else oldest first, each O(1), until the
    /// namespace is back at its low threshold (or this worker holds nothing there).
    /// </summary>
    private void Relieve(WorkerNamespaceMemory memory)
    {
        long target = memory.HeldBytes - memory.BytesToRelieve();
        while (memory.HeldBytes > target && memory.NextVictim() is { } victim)
        {
            Evict(victim);
        }

        memory.FoldAll();
    }

    private void Evict(FragmentQueue queue)
    {
        FragmentQueueDirectory directory = queue.Directory!;
        directory.Counters.Evicted++;
        directory.Counters.ReasmFails++;
        ReportEviction(queue);
        directory.Remove(queue);
    }

    private void ReportEviction(FragmentQueue queue)
    {
        _anomalyCounts[(int)AnomalyKind.Eviction]++;
        if (_sink is null)
        {
            return;
        }

        var anomaly = new AnomalyEvent(AnomalyKind.Eviction, _clock, queue.Key.Family, queue.Key.Source, queue.Key.Destination, queue.Key.Identification, queue.Policy)
        {
            Namespace = queue.Directory?.NamespaceName ?? string.Empty,
            FrameIndex = _frameIndex,
            OtherFrameIndex = queue.CreatedFrameIndex,
            FragmentEnd = queue.Length,
        };
        _sink.OnAnomaly(in anomaly);
    }

    /// <summary>Every removal, from the queue's <see cref="FragmentQueue.ReleaseBuffer"/>: its charge goes back; a timeout may mean an ICMP.</summary>
    private void OnQueueRemoving(FragmentQueue queue)
    {
        FragmentQueueDirectory directory = queue.Directory!;
        directory.Memory.Release(queue, queue.Key.Family);
        if (_expiring && !_expiringAtEnd && (queue.Flags & FragmentQueueFlags.FirstIn) != 0)
        {
            // ip_expire / ip6_expire_frag_queue: only a queue holding the first fragment can quote the datagram back.
            directory.Counters.IcmpTimeExceeded++;
        }
    }

    /// <summary>After queues of <paramref name="ns"/> were dropped wholesale: what they held goes back to the accounts now.</summary>
    private void FoldMemory(ReassemblyNamespace ns) => ns.Ipv4[Index].Memory.FoldAll();
}
