namespace Reassembly.Core;

/// <summary>A contiguous range [Start, End) of a datagram's fragmentable part that a queue holds.</summary>
internal struct FragmentRun
{
    public int Start;
    public int End;
}
