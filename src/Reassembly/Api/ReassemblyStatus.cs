namespace Reassembly;

/// <summary>What a <see cref="Reassembler"/> did with one frame (<see cref="ReassemblyResult.Status"/>).</summary>
public enum ReassemblyStatus : byte
{
    /// <summary>
    /// Not a fragment (not IP, a whole packet, or an IPv6 atomic fragment): forward the frame unchanged, as it
    /// was given.
    /// </summary>
    PassedThrough,

    /// <summary>A fragment the reassembler now holds (a copy of its bytes); its datagram is not complete yet.</summary>
    Held,

    /// <summary>
    /// The fragment completed a datagram: <see cref="ReassemblyResult.Datagram"/> carries it, and the caller owns it
    /// (see <see cref="ReassemblyResult"/>).
    /// </summary>
    Reassembled,

    /// <summary>
    /// A fragment the reassembler discarded: a duplicate, one that made its datagram invalid (overlap, inconsistent
    /// end, oversize under the policy), or one that broke a rule on its own (a non-final length not a multiple of 8).
    /// Its anomaly, if any, went to <see cref="ReassemblyOptions.AnomalySink"/>.
    /// </summary>
    Dropped,

    /// <summary>
    /// The frame's link-layer or IP headers contradict its bytes (cut short, impossible lengths, a fragment past
    /// 65,535 bytes) or its link type is not decoded. It was counted and nothing was held: forward it unchanged if
    /// your pipeline forwards malformed traffic, as the engine's <see cref="FrameDisposition.PassThrough"/> does.
    /// </summary>
    Malformed,
}
