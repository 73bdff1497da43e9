namespace Reassembly.Core;

/// <summary>What <see cref="FragmentRunList.Insert"/> decided about a new fragment's range.</summary>
internal enum RunInsertResult : byte
{
    /// <summary>The range touched no held data and was recorded.</summary>
    Inserted,

    /// <summary>The range lies wholly inside one held run: a retransmission to ignore.</summary>
    Duplicate,

    /// <summary>The range partly overlaps held data: the whole datagram must go (RFC 5722).</summary>
    Overlap,
}
