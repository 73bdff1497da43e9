namespace Reassembly;

/// <summary>
/// A snapshot of one family's counters. Names follow Linux's SNMP counters (<c>nstat</c>'s IpReasm* and Ip6Reasm*).
/// </summary>
public sealed record FamilyStatistics
{
    /// <summary>Frames whose link layer carried this family.</summary>
    public long Frames { get; init; }

    /// <summary>Well-formed packets that were not fragments and passed through.</summary>
    public long NotFragmented { get; init; }

    /// <summary>Packets whose headers contradict the bytes captured (passed through unchanged).</summary>
    public long Malformed { get; init; }

    /// <summary>Fragments received for reassembly (IPv6 atomic fragments included, as Linux counts them).</summary>
    public long ReasmReqds { get; init; }

    /// <summary>Datagrams reassembled (IPv6 atomic fragments included).</summary>
    public long ReasmOKs { get; init; }

    /// <summary>
    /// Failures: each queue dropped (overlap, inconsistent end, zero-length fragment, oversize, timeout) and each
    /// fragment rejected on its own (a non-final fragment whose length is not a multiple of 8).
    /// </summary>
    public long ReasmFails { get; init; }

    /// <summary>Queues expired because their timeout passed, or because the input ended first.</summary>
    public long ReasmTimeout { get; init; }

    /// <summary>Queues dropped because a fragment overlapped data they held (RFC 5722).</summary>
    public long ReasmOverlaps { get; init; }

    /// <summary>Queues evicted to bring a namespace under its low threshold, or all under the global cap (also in <see cref="ReasmFails"/>).</summary>
    public long Evicted { get; init; }

    /// <summary>Fragments refused because they would have started a queue over a memory limit (refuse mode; also in <see cref="ReasmFails"/>).</summary>
    public long Refused { get; init; }

    /// <summary>
    /// Queues that timed out holding their first fragment, for which a host would send an ICMP Time Exceeded
    /// (fragment reassembly time exceeded), as Linux's <c>ip_expire</c>/<c>ip6_expire_frag_queue</c> do. Not counted
    /// for queues expired by the end of the input.
    /// </summary>
    public long IcmpTimeExceeded { get; init; }
    /// <summary>6LoWPAN only: IEEE 802.15.4 frames without IPv6 (acknowledgments, beacons, MAC commands, non-LoWPAN data), passed through.</summary>
    public long NotIp { get; init; }

    /// <summary>6LoWPAN only: IEEE 802.15.4 frames with security enabled (not decrypted), passed through.</summary>
    public long SecurityEnabled { get; init; }

    /// <summary>
    /// 6LoWPAN only: frames in a form that is not decoded (unimplemented dispatch, NHC or address mode, a context not
    /// configured), passed through and reported as <see cref="AnomalyKind.LowpanUnsupported"/>; a fragment so refused
    /// also counts in <see cref="ReasmFails"/>.
    /// </summary>
    public long Unsupported { get; init; }

    /// <summary>The field-by-field sum of two snapshots (totals over namespaces).</summary>
    /// <param name="other">The snapshot to add.</param>
    public FamilyStatistics Plus(FamilyStatistics other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new()
        {
            Frames = Frames + other.Frames,
            NotFragmented = NotFragmented + other.NotFragmented,
            Malformed = Malformed + other.Malformed,
            ReasmReqds = ReasmReqds + other.ReasmReqds,
            ReasmOKs = ReasmOKs + other.ReasmOKs,
            ReasmFails = ReasmFails + other.ReasmFails,
            ReasmTimeout = ReasmTimeout + other.ReasmTimeout,
            ReasmOverlaps = ReasmOverlaps + other.ReasmOverlaps,
            Evicted = Evicted + other.Evicted,
            Refused = Refused + other.Refused,
            IcmpTimeExceeded = IcmpTimeExceeded + other.IcmpTimeExceeded,
            NotIp = NotIp + other.NotIp,
            SecurityEnabled = SecurityEnabled + other.SecurityEnabled,
            Unsupported = Unsupported + other.Unsupported,
        };
    }
}
