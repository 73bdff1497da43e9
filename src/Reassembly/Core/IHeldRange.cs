namespace Reassembly.Core;

/// <summary>A range [Start, End) of a datagram's fragmentable part, as a <see cref="BlockedRangeList{T}"/> element.</summary>
internal interface IHeldRange
{
    /// <summary>The first byte.</summary>
    int Start { get; }

    /// <summary>One past the last byte.</summary>
    int End { get; }
}
