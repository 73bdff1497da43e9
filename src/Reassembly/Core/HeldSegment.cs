namespace Reassembly.Core;

/// <summary>What survives of one fragment in a target-policy queue: [Start, End) and the frame it came in.</summary>
internal struct HeldSegment : IHeldRange
{
    public int Start;
    public int End;
    public long FrameIndex;

    readonly int IHeldRange.Start => Start;

    readonly int IHeldRange.End => End;
}
