using System.Runtime.CompilerServices;
using Reassembly.Core;
using Reassembly.Parsing;
using Reassembly.Settings;

namespace Reassembly;

// Anomaly reporting (issue 6): counting per kind and delivery to the sink, kept out of the per-fragment flow.
// Counts are per worker (summed by the engine); the sink is shared, so with several workers it is called from each.
public sealed partial class ReassemblyWorker
{
    private const byte IcmpProtocol = 1;
    private const byte TcpProtocol = 6;
    private const byte UdpProtocol = 17;
    private const int TcpHeaderLength = 20;
    private const int UdpOrIcmpHeaderLength = 8;

    private readonly SettingsCell _settings;
    private readonly int _maxFragments;
    private readonly IAnomalySink? _sink;
    private readonly QueueObserver _queueObserver;
    private readonly long[] _anomalyCounts = new long[AnomalyKindNames.Count];

    /// <summary>This worker's anomaly counts, indexed by <see cref="AnomalyKind"/>.</summary>
    internal ReadOnlySpan<long> AnomalyCounts => _anomalyCounts;

    // True while the directories expire queues, so that a removal heard then is a timeout.
    private bool _expiring;

    private static AnomalyKind ToAnomaly(QueueInsertResult result) => result switch
    {
        QueueInsertResult.Teardrop => AnomalyKind.Teardrop,
        QueueInsertResult.PastEnd => AnomalyKind.PastEnd,
        QueueInsertResult.ZeroLength => AnomalyKind.ZeroLength,
        QueueInsertResult.TooManyFragments => AnomalyKind.TooManyFragments,
        _ => AnomalyKind.ConflictingEnd,
    };

    /// <summary>
    /// RFC 1858 and RFC 3128: an IPv4 first fragment too short for its transport header hides the header from a
    /// filter, and a TCP fragment at offset 8 can rewrite the first one's flags. Reported, not dropped (Linux keeps them).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsTinyIpv4Fragment(in FragmentDescriptor fragment)
    {
        if (fragment.Key.Family != IpFamily.Ipv4)
        {
            return false;
        }

        byte protocol = fragment.Key.Protocol;
        if (fragment.FragmentOffset == 8)
        {
            return protocol == TcpProtocol;
        }

        if (fragment.FragmentOffset != 0 || !fragment.MoreFragments)
        {
            return false;
        }

        return protocol switch
        {
            TcpProtocol => fragment.DataLength < TcpHeaderLength,
            UdpProtocol or IcmpProtocol => fragment.DataLength < UdpOrIcmpHeaderLength,
            _ => false,
        };
    }

    /// <summary>
    /// RFC 8200 4.5 builds the unfragmentable part from the offset-0 fragment and ignores the others', so headers that
    /// differ between fragments are invisible in the result; an IDS wants to hear of them. The comparison covers the
    /// IPv6 Next Header byte and every extension header before the Fragment header (Payload Length differs by nature).
    /// </summary>
    private void CheckUnfragmentablePart(FragmentQueue queue, ReadOnlySpan<byte> frame, in FragmentDescriptor fragment, long timestampNanoseconds)
    {
        ReadOnlySpan<byte> packet = frame.Slice(fragment.NetworkOffset);
        ReadOnlySpan<byte> extensions = packet[Ipv6Header.Length..fragment.HeaderLength];

        // HashCode is seeded per process, so a sender cannot craft two different header sets that collide.
        var hash = new HashCode();
        hash.Add(packet[Ipv6Header.NextHeader]);
        hash.AddBytes(extensions);
        int value = hash.ToHashCode();
        if (queue.UnfragmentableLength < 0)
        {
            queue.UnfragmentableLength = extensions.Length;
            queue.UnfragmentableHash = value;
        }
        else if (queue.UnfragmentableLength != extensions.Length || queue.UnfragmentableHash != value)
        {
            Report(AnomalyKind.Ipv6HeaderMismatch, in fragment, queue.Policy, default, timestampNanoseconds);
        }
    }

    /// <summary>A stateless anomaly of one fragment: the policy is the one its datagram would get.</summary>
    private void Report(AnomalyKind kind, in FragmentDescriptor fragment, long timestampNanoseconds) =>
        Report(kind, in fragment, _settings.Current.Policies.Resolve(in fragment.Key, _namespacePolicy, _namespaceName), default, timestampNanoseconds);

    /// <summary>
    /// A fragment that was kept or ignored: nothing if it touched no held data; a duplicate if none of its bytes was
    /// kept and they equal the held ones; else an overlap. Different bytes in a "duplicate" are what an evasion looks
    /// like, so they are an overlap even where Linux ignores them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ReportPlacement(in FragmentDescriptor fragment, OverlapPolicy policy, in OverlapOutcome overlap, long timestampNanoseconds)
    {
        if (overlap.Overlapped)
        {
            ReportOverlapped(in fragment, policy, in overlap, timestampNanoseconds);
        }
    }

    private void ReportOverlapped(in FragmentDescriptor fragment, OverlapPolicy policy, in OverlapOutcome overlap, long timestampNanoseconds)
    {
        AnomalyKind kind = overlap.Kept == 0 && !overlap.BytesDiffer ? AnomalyKind.Duplicate : AnomalyKind.Overlap;
        Report(kind, in fragment, policy, in overlap, timestampNanoseconds);
    }

    private void Report(AnomalyKind kind, in FragmentDescriptor fragment, OverlapPolicy policy, in OverlapOutcome overlap, long timestampNanoseconds)
    {
        _anomalyCounts[(int)kind]++;
        if (_sink is null)
        {
            return;
        }

        bool overlapped = overlap.OverlapStart >= 0 && overlap.OverlapEnd > overlap.OverlapStart;
        var anomaly = new AnomalyEvent(kind, timestampNanoseconds, fragment.Key.Family, fragment.Key.Source, fragment.Key.Destination, fragment.Key.Identification, policy)
        {
            Namespace = _namespaceName,
            FrameIndex = _frameIndex,
            OtherFrameIndex = overlapped ? overlap.OtherFrameIndex : -1,
            FragmentOffset = fragment.FragmentOffset,
            FragmentEnd = fragment.FragmentEnd,
            OverlapStart = overlapped ? overlap.OverlapStart : -1,
            OverlapEnd = overlapped ? overlap.OverlapEnd : -1,
            BytesDiffer = overlapped && overlap.BytesDiffer,
        };
        _sink.OnAnomaly(in anomaly);
    }

    private void ReportTimeout(FragmentQueue queue)
    {
        _anomalyCounts[(int)AnomalyKind.Timeout]++;
        if (_sink is null)
        {
            return;
        }

        // The deadline, not the worker's clock, and the frame that created the queue: both are properties of the input
        // alone, so the event is the same whichever worker (and whichever later frame) found the queue expired.
        var anomaly = new AnomalyEvent(AnomalyKind.Timeout, queue.DeadlineNanoseconds, queue.Key.Family, queue.Key.Source, queue.Key.Destination, queue.Key.Identification, queue.Policy)
        {
            Namespace = queue.Directory?.NamespaceName ?? string.Empty,
            FrameIndex = _frameIndex,
            OtherFrameIndex = queue.CreatedFrameIndex,
            FragmentEnd = queue.Length,
        };
        _sink.OnAnomaly(in anomaly);
    }

    /// <summary>
    /// Tells expiries from the other removals: the directory removes a queue on its own only while expiring, and the
    /// worker sets <see cref="_expiring"/> around exactly those calls.
    /// </summary>
    private sealed class QueueObserver(ReassemblyWorker worker) : IFragmentQueueObserver
    {
        public void OnRemoving(FragmentQueue queue)
        {
            worker.OnQueueRemoving(queue);
            if (worker._expiring)
            {
                worker.ReportTimeout(queue);
            }
        }
    }
}
