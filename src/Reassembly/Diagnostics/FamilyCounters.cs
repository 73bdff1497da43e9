namespace Reassembly.Diagnostics;

/// <summary>
/// One family's counters, named after Linux's SNMP reassembly MIB (IPSTATS_MIB_REASM*) so that figures compare
/// directly with <c>nstat</c> on a real host. Mutated only by the worker that owns the directory holding them.
/// </summary>
internal struct FamilyCounters
{
    public long Frames;
    public long NotFragmented;
    public long Malformed;
    public long ReasmReqds;
    public long ReasmOKs;
    public long ReasmFails;
    public long ReasmTimeout;
    public long ReasmOverlaps;
    public long Evicted;
    public long Refused;
    public long IcmpTimeExceeded;

    // 6LoWPAN only: IEEE 802.15.4 frames that carry no IPv6, secured frames, and forms not decoded.
    public long NotIp;
    public long SecurityEnabled;
    public long Unsupported;

    public void Add(in FamilyCounters other)
    {
        Frames += other.Frames;
        NotFragmented += other.NotFragmented;
        Malformed += other.Malformed;
        ReasmReqds += other.ReasmReqds;
        ReasmOKs += other.ReasmOKs;
        ReasmFails += other.ReasmFails;
        ReasmTimeout += other.ReasmTimeout;
        ReasmOverlaps += other.ReasmOverlaps;
        Evicted += other.Evicted;
        Refused += other.Refused;
        IcmpTimeExceeded += other.IcmpTimeExceeded;
        NotIp += other.NotIp;
        SecurityEnabled += other.SecurityEnabled;
        Unsupported += other.Unsupported;
    }

    public readonly FamilyStatistics ToStatistics() => new()
    {
        Frames = Frames,
        NotFragmented = NotFragmented,
        Malformed = Malformed,
        ReasmReqds = ReasmReqds,
        ReasmOKs = ReasmOKs,
        ReasmFails = ReasmFails,
        ReasmTimeout = ReasmTimeout,
        ReasmOverlaps = ReasmOverlaps,
        Evicted = Evicted,
        Refused = Refused,
        IcmpTimeExceeded = IcmpTimeExceeded,
        NotIp = NotIp,
        SecurityEnabled = SecurityEnabled,
        Unsupported = Unsupported,
    };
}
