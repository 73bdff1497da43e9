namespace Reassembly.Peers;

/// <summary>Limits of a <see cref="PeerTable"/> and of the IP-ID distance rule that uses it.</summary>
internal sealed class PeerTableOptions
{
    private int _maxDistance = 64;
    private TimeSpan _idleTimeToLive = TimeSpan.FromMinutes(10);
    private int _threshold = 65536 + 128;
    private int _maxIdle = 4096;

    /// <summary>
    /// How many fragments a peer may send between two fragments of one queue before that queue is judged stale
    /// (<see cref="FragmentDistance.IsTooFar"/>); 0 disables the rule.
    /// </summary>
    /// <remarks>
    /// Defaults to 64 because that is Linux's <c>ipfrag_max_dist</c>: a busy sender cycles through its 16-bit IPv4
    /// IDs quickly, and a queue that has been passed by 64 of its fragments most likely holds pieces of an older
    /// datagram with the same ID. Too small a value resets queues of peers that interleave many datagrams (a
    /// reassembly failure for every one); 0 (off) lets a wrapped ID splice two datagrams together.
    /// </remarks>
    public int MaxDistance
    {
        get => _maxDistance;
        init => _maxDistance = value >= 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "MaxDistance must be 0 (off) or positive.");
    }

    /// <summary>How long an unreferenced peer is kept before <see cref="PeerTable.Collect"/> removes it.</summary>
    /// <remarks>
    /// Defaults to 10 minutes because that is Linux's <c>inet_peer_maxttl</c>: the distance counter is worth keeping
    /// across the gaps between a peer's bursts, and a peer costs little (about 100 bytes). Unbounded, idle peers
    /// accumulate until <see cref="Threshold"/> forces LRU eviction, which any spoofed-source flood reaches at once.
    /// </remarks>
    public TimeSpan IdleTimeToLive
    {
        get => _idleTimeToLive;
        init => _idleTimeToLive = value >= TimeSpan.Zero
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "IdleTimeToLive must not be negative.");
    }

    /// <summary>
    /// The number of peers above which idle peers are evicted least recently used first, whatever their age; each
    /// insertion above it also evicts up to two idle peers itself.
    /// </summary>
    /// <remarks>
    /// Defaults to 65,664 (65536 + 128) because that is Linux's <c>inet_peer_threshold</c>, about 6.5 MB of peers
    /// here. Without a bound a sender that spoofs source addresses would grow the tree by one node per packet;
    /// referenced peers are never evicted, so the bound is soft by the number of live fragment queues.
    /// </remarks>
    public int Threshold
    {
        get => _threshold;
        init => _threshold = value > 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "Threshold must be positive.");
    }

    /// <summary>
    /// The number of idle (unreferenced) peers above which the least recently used of them are evicted, whatever
    /// their age and however small the table; each insertion above it evicts up to two itself.
    /// </summary>
    /// <remarks>
    /// <para>Why idle peers may go early: an idle peer holds nothing reassembly needs. Its only state is the fragment
    /// counter, and that matters only as differences recorded by live queues, each of which holds a reference; a
    /// peer recreated later starts a new count that no queue has seen, with the same results. So the idle set is a
    /// cache that saves a known source an insertion, and it need not grow to <see cref="Threshold"/>.</para>
    /// <para>Why 4096: a spoofed-source flood turns every fragment into a peer that is idle as soon as its queue is
    /// evicted. Bounded by the threshold alone, the tree fills with 65,664 of them, about 7 MB of nodes walked at some
    /// seventeen dependent cache misses per lookup, insertion and removal; with 4096 idle peers beside the referenced
    /// ones (a few thousand live queues under the default memory limits, and each worker's cached sources) it stays
    /// within the second-level cache. Real sources that recur are pinned by the workers' caches and are not idle.</para>
    /// </remarks>
    public int MaxIdle
    {
        get => _maxIdle;
        init => _maxIdle = value >= 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "MaxIdle must not be negative.");
    }

    /// <summary><see cref="IdleTimeToLive"/> in nanoseconds, the unit of the table's clock arguments.</summary>
    internal long IdleTimeToLiveNanoseconds => _idleTimeToLive.Ticks * 100;
}
