using System.Diagnostics;
using System.Runtime.CompilerServices;
using Reassembly.Core;
using Reassembly.Peers;

namespace Reassembly.Memory;

/// <summary>
/// One worker's share of one namespace's fragment memory: what its queues there hold, charged to the namespace's
/// <see cref="NamespaceAccount"/> (and the global account) in batches, the age lists that say which queue to evict
/// first, and the per-peer bytes that say whose.
/// </summary>
/// <remarks>
/// <para><b>Why batches.</b> A charge per fragment would be an interlocked add on a line every worker writes. Instead a
/// queue's truesize change is added to <see cref="Pending"/> (plain adds, this worker only), and folded into the shared
/// accounts when it reaches <see cref="FoldBytes"/> either way. Queues that complete give back what they took, so
/// benign traffic nets out locally and seldom folds at all; a flood folds once per <see cref="FoldBytes"/> of growth.
/// The shared accounts therefore lag the truth by less than <see cref="FoldBytes"/> per worker and namespace, and a
/// namespace passes its high threshold by at most that plus one queue's growth per worker before the fold that
/// sees it evicts (<see cref="BytesToRelieve"/>).</para>
/// <para><b>Invariants</b> (with no call in progress): <see cref="HeldBytes"/> is the sum of
/// <see cref="FragmentQueue.ChargedBytes"/> over this worker's live queues of the namespace, and equals what this
/// worker has folded into the account plus <see cref="Pending"/>; <see cref="PeerHeldBytes"/> is the sum of
/// <see cref="Peer.HeldBytes"/> over the peers with queues here, <see cref="ActivePeers"/> their number;
/// <see cref="Heaviest"/> is null or a peer with bytes here. Touched only by the owning worker; the two accounts it
/// folds into are the only shared state.</para>
/// </remarks>
internal sealed class WorkerNamespaceMemory
{
    /// <summary>The largest batch folded at once: small beside the 1 MiB between Linux's thresholds.</summary>
    public const long MaxFoldBytes = 64 * 1024;

    // Derived from _limits, the accountant's limits when last looked at; Refresh recomputes them when those change.
    private MemoryLimits _limits;
    private long _high;
    private long _low;
    private long _global;
    private long _globalLow;
    private long _peerShareFloor;
    private long _nextAgeStamp;

    /// <summary>Creates a worker's share of <paramref name="account"/>.</summary>
    public WorkerNamespaceMemory(MemoryAccountant accountant, NamespaceAccount account)
    {
        Accountant = accountant;
        Account = account;
        _limits = accountant.Limits;
        Refresh(_limits);
    }

    /// <summary>
    /// Follows a live change of the accountant's limits (<see cref="MemoryAccountant.UpdateLimits"/>): one reference
    /// compare on the paths that use the thresholds, a recomputation when the reference changed.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private void FollowLimits()
    {
        MemoryLimits current = Accountant.Limits;
        if (!ReferenceEquals(current, _limits))
        {
            _limits = current;
            Refresh(current);
        }
    }

    private void Refresh(MemoryLimits limits)
    {
        _high = limits.HighThresholdBytes;
        _low = limits.LowThresholdBytes;
        _global = limits.GlobalLimitBytes;

        // Over the global cap, evict as far below it as the namespace band is wide, so that the cap too is met once
        // per band, not once per fragment.
        _globalLow = Math.Max(_global - (_high - _low), 0);
        _peerShareFloor = limits.PeerShareFloorBytes;
        FoldBytes = Math.Clamp((_high - _low) / 8, 0, MaxFoldBytes);
        Evicts = limits.Mode == MemoryPressureMode.Evict;
    }

    /// <summary>The engine's accountant (the global account).</summary>
    public MemoryAccountant Accountant { get; }

    /// <summary>The namespace's account, shared by every worker.</summary>
    public NamespaceAccount Account { get; }

    /// <summary>The batch size: an eighth of the band between the thresholds, at most <see cref="MaxFoldBytes"/>.</summary>
    public long FoldBytes { get; private set; }

    /// <summary>True in <see cref="MemoryPressureMode.Evict"/>.</summary>
    public bool Evicts { get; private set; }

    /// <summary>True in <see cref="MemoryPressureMode.Refuse"/> (the accountant's current mode).</summary>
    public bool Refuses
    {
        get
        {
            FollowLimits();
            return !Evicts;
        }
    }

    /// <summary>This worker's IPv4 queues of the namespace, oldest first.</summary>
    public QueueAgeList Ipv4Ages { get; } = new();

    /// <summary>This worker's IPv6 queues of the namespace, oldest first.</summary>
    public QueueAgeList Ipv6Ages { get; } = new();

    /// <summary>Bytes charged (positive) or released (negative) here and not yet folded into the accounts.</summary>
    public long Pending { get; private set; }

    /// <summary>Everything this worker's queues of the namespace hold.</summary>
    public long HeldBytes { get; private set; }

    /// <summary>The most <see cref="HeldBytes"/> has been (exact, unlike the folded peak of the shared account).</summary>
    public long PeakHeldBytes { get; private set; }

    /// <summary>What the queues that have a peer hold (IPv4 with the peer table on).</summary>
    public long PeerHeldBytes { get; private set; }

    /// <summary>Peers with at least one queue here.</summary>
    public int ActivePeers { get; private set; }

    /// <summary>The peer with the most bytes here as last seen growing (a hint, re-checked before use), or null.</summary>
    public Peer? Heaviest { get; private set; }

    /// <summary>
    /// Refuse mode: true when a new queue must be refused, the namespace (as far as this worker knows) or all
    /// namespaces being at their limit. Reads the shared accounts.
    /// </summary>
    public bool IsFull
    {
        get
        {
            FollowLimits();
            return Account.UsedBytes + Pending >= _high || Accountant.UsedBytes + Pending >= _global;
        }
    }

    /// <summary>
    /// Brings <paramref name="queue"/>'s charge to <paramref name="trueSizeBytes"/>. Returns true when a fold just
    /// took the namespace or the global account past its limit in evict mode: the caller must then evict
    /// (<see cref="BytesToRelieve"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Charge(FragmentQueue queue, int trueSizeBytes)
    {
        FollowLimits();
        int delta = trueSizeBytes - queue.ChargedBytes;
        queue.ChargedBytes = trueSizeBytes;
        long held = HeldBytes + delta;
        HeldBytes = held;
        if (held > PeakHeldBytes)
        {
            PeakHeldBytes = held;
        }
        if (queue.PeerLinked)
        {
            ChargePeer(queue.Peer!, delta);
        }
        else if (queue.Peer is not null)
        {
            LinkPeer(queue, queue.Peer);
        }

        long pending = Pending + delta;
        Pending = pending;
        if (pending >= FoldBytes)
        {
            return pending > 0 && FoldUp();
        }

        if (pending <= -FoldBytes)
        {
            FoldDown();
        }

        return false;
    }

    /// <summary>A new queue: it joins the age list of its family.</summary>
    public void Track(FragmentQueue queue, IpFamily family)
    {
        queue.AgeStamp = _nextAgeStamp++;
        AgesOf(family).Append(queue);
    }

    /// <summary>A queue is being removed (completed, dropped, expired or evicted): its whole charge goes back.</summary>
    public void Release(FragmentQueue queue, IpFamily family)
    {
        int charged = queue.ChargedBytes;
        queue.ChargedBytes = 0;
        AgesOf(family).Unlink(queue);
        if (queue.PeerLinked)
        {
            UnlinkPeer(queue, charged);
        }

        HeldBytes -= charged;
        long pending = Pending - charged;
        Pending = pending;
        if (pending <= -FoldBytes && pending < 0)
        {
            FoldDown();
        }
    }

    /// <summary>How many bytes this worker should evict now: down to the low threshold, or below the global cap by the band.</summary>
    public long BytesToRelieve()
    {
        long used = Account.UsedBytes + Pending;
        long need = used > _high ? used - _low : 0;
        long global = Accountant.UsedBytes + Pending;
        if (global > _global)
        {
            need = Math.Max(need, global - _globalLow);
        }

        return need;
    }

    /// <summary>
    /// The queue to evict next: the oldest of the heaviest peer if it holds more than its fair share
    /// (<see cref="FairShare"/>), else the oldest of either family; null when this worker holds nothing here.
    /// </summary>
    public FragmentQueue? NextVictim()
    {
        Peer? heaviest = Heaviest;
        if (heaviest is not null && FairShare.IsOverShare(heaviest.HeldBytes, PeerHeldBytes, ActivePeers, _peerShareFloor))
        {
            return heaviest.OldestQueue;
        }

        FragmentQueue? ipv4 = Ipv4Ages.Oldest;
        FragmentQueue? ipv6 = Ipv6Ages.Oldest;
        if (ipv4 is null || ipv6 is null)
        {
            return ipv4 ?? ipv6;
        }

        return ipv6.AgeStamp < ipv4.AgeStamp ? ipv6 : ipv4;
    }

    /// <summary>Forgets <see cref="PeakHeldBytes"/> (an engine reset).</summary>
    public void ResetPeak() => PeakHeldBytes = HeldBytes;

    /// <summary>Folds whatever is pending into the accounts (after an eviction pass, a reset, a dropped namespace).</summary>
    public void FoldAll()
    {
        if (Pending > 0)
        {
            Accountant.Charge(Account, Pending);
        }
        else if (Pending < 0)
        {
            Accountant.Release(Account, -Pending);
        }

        Pending = 0;
    }

    // 6LoWPAN datagrams are IPv6 ones: they share the IPv6 age list (evicted by age, as IPv6 is).
    private QueueAgeList AgesOf(IpFamily family) => family == IpFamily.Ipv4 ? Ipv4Ages : Ipv6Ages;

    private bool FoldUp()
    {
        Accountant.Charge(Account, Pending);
        Pending = 0;
        return Evicts && (Account.UsedBytes > _high || Accountant.UsedBytes > _global);
    }

    private void FoldDown()
    {
        Accountant.Release(Account, -Pending);
        Pending = 0;
    }

    private void ChargePeer(Peer peer, int delta)
    {
        peer.HeldBytes += delta;
        PeerHeldBytes += delta;
        if (delta > 0 && peer != Heaviest && (Heaviest is null || peer.HeldBytes > Heaviest.HeldBytes))
        {
            Heaviest = peer;
        }
    }

    private void LinkPeer(FragmentQueue queue, Peer peer)
    {
        Debug.Assert(queue.PeerOlder is null && queue.PeerNewer is null, "A queue joins its peer's list once.");
        if (peer.NewestQueue is null)
        {
            peer.OldestQueue = queue;
            ActivePeers++;
        }
        else
        {
            peer.NewestQueue.PeerNewer = queue;
            queue.PeerOlder = peer.NewestQueue;
        }

        peer.NewestQueue = queue;
        queue.PeerLinked = true;
        ChargePeer(peer, queue.ChargedBytes);
    }

    private void UnlinkPeer(FragmentQueue queue, int charged)
    {
        Peer peer = queue.Peer!;
        if (queue.PeerOlder is null)
        {
            peer.OldestQueue = queue.PeerNewer;
        }
        else
        {
            queue.PeerOlder.PeerNewer = queue.PeerNewer;
        }

        if (queue.PeerNewer is null)
        {
            peer.NewestQueue = queue.PeerOlder;
        }
        else
        {
            queue.PeerNewer.PeerOlder = queue.PeerOlder;
        }

        queue.PeerOlder = queue.PeerNewer = null;
        queue.PeerLinked = false;
        peer.HeldBytes -= charged;
        PeerHeldBytes -= charged;
        if (peer.OldestQueue is null)
        {
            Debug.Assert(peer.HeldBytes == 0, "A peer without queues here holds no bytes.");
            ActivePeers--;

            // The peer may be collected once its last queue lets go of it: never keep a hint to it.
            if (peer == Heaviest)
            {
                Heaviest = null;
            }
        }
    }
}
