namespace Reassembly.Core;

/// <summary>
/// What adding a fragment did to its queue. The engine maps each value to a counter and a frame disposition in one
/// place, as ip_frag_queue maps its goto labels to SNMP counters.
/// </summary>
internal enum QueueInsertResult : byte
{
    /// <summary>Held; the datagram is still incomplete.</summary>
    Queued,

    /// <summary>Held, and it was the last piece missing.</summary>
    Complete,

    /// <summary>Lies wholly inside data already held: ignored, the queue lives on.</summary>
    Duplicate,

    /// <summary>Partly overlaps held data: the datagram is dropped (RFC 5722).</summary>
    Overlap,

    /// <summary>
    /// A last fragment ending before held data, a second last fragment with a different end, or a fragment past the
    /// known end: the datagram is corrupt and dropped.
    /// </summary>
    InconsistentEnd,

    /// <summary>A fragment that carries no data: the datagram is dropped, as Linux does.</summary>
    ZeroLength,
}
