namespace Reassembly.Core;

/// <summary>What placing one fragment under a target policy did (<see cref="HeldSegmentList.Place"/>).</summary>
internal struct OverlapOutcome
{
    /// <summary>Bytes no fragment held before: what the queue's <c>Received</c> grows by.</summary>
    public int NewlyCovered;

    /// <summary>Bytes of the new fragment that are now held (newly covered plus those that won an overlap).</summary>
    public int Kept;

    /// <summary>First overlapped byte, or -1 when the fragment touched no held data.</summary>
    public int OverlapStart;

    /// <summary>End (exclusive) of the last overlapped byte, or -1.</summary>
    public int OverlapEnd;

    /// <summary>Whether any overlapped byte of the new fragment differs from the byte held.</summary>
    public bool BytesDiffer;

    /// <summary>The frame of the first held piece the fragment overlapped, or -1.</summary>
    public long OtherFrameIndex;

    public readonly bool Overlapped => OverlapStart >= 0;
}
