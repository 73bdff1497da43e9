namespace Reassembly.Memory;

/// <summary>What a namespace does when its fragment memory reaches the high threshold.</summary>
public enum MemoryPressureMode
{
    /// <summary>
    /// Charges past the high threshold succeed, and the engine then evicts the oldest queues (those of peers over
    /// their fair share first) until usage is at or below the low threshold: Linux's behaviour before 4.17 and the
    /// design card's default, because new datagrams keep being reassembled during a flood.
    /// </summary>
    Evict,

    /// <summary>
    /// A charge that would take usage past the high threshold fails, so new queues (and growth of existing ones) are
    /// refused until expiry brings usage down: Linux since 4.17 (<c>inet_frag_find</c> returns NULL over
    /// <c>high_thresh</c>), which never throws away work already done.
    /// </summary>
    Refuse,
}
