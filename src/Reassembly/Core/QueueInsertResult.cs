namespace Reassembly.Core;

/// <summary>
/// What adding a fragment did to its queue. The engine maps each value to a counter and a frame disposition in one
/// place, as ip_frag_queue maps its goto labels to SNMP counters.
/// </summary>
internal enum QueueInsertResult : byte
{
    /// <summary>Held; the datagram is still incomplete. Under a target policy the fragment may have overlapped held data.</summary>
    Queued,

    /// <summary>Held, and it was the last piece missing.</summary>
    Complete,

    /// <summary>Lies wholly inside data already held (target policies: none of its bytes was kept): ignored, the queue lives on.</summary>
    Duplicate,

    /// <summary>Partly overlaps held data: the datagram is dropped (RFC 5722).</summary>
    Overlap,

    /// <summary>
    /// A last fragment ending before held data, or a second last fragment with a different end: the datagram is
    /// corrupt and dropped.
    /// </summary>
    InconsistentEnd,

    /// <summary>A fragment reaching past the end the last fragment announced: the datagram is dropped.</summary>
    PastEnd,

    /// <summary>
    /// A last fragment that overlaps held data and ends before the datagram's end (teardrop): dropped, whatever the
    /// policy, as frag3 does.
    /// </summary>
    Teardrop,

    /// <summary>The datagram already holds the most fragments allowed: dropped.</summary>
    TooManyFragments,

    /// <summary>A fragment that carries no data: the datagram is dropped, as Linux does.</summary>
    ZeroLength,
}
