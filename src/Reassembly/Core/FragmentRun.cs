namespace Reassembly.Core;

/// <summary>A contiguous range [Start, End) of a datagram's fragmentable part that a queue holds.</summary>
internal struct FragmentRun : IHeldRange
{
    public int Start;
    public int End;

    readonly int IHeldRange.Start => Start;

    readonly int IHeldRange.End => End;
}
