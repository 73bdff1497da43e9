namespace Reassembly.Diagnostics;

/// <summary>
/// One family's counters, named after Linux's SNMP reassembly MIB (IPSTATS_MIB_REASM*) so that figures compare
/// directly with <c>nstat</c> on a real host. Mutated only by the engine that owns the directory.
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
}
