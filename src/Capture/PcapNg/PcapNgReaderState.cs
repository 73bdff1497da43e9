namespace Reassembly.Capture.PcapNg;

/// <summary>
/// What a <see cref="PcapNgBlockReader"/> knows between reads: a plain struct the async loop keeps across awaits
/// (the <c>JsonReaderState</c> model). The interface table lives with the caller, which acts on the blocks.
/// </summary>
internal struct PcapNgReaderState
{
    /// <summary>True once a section header block has been read.</summary>
    public bool InSection;

    /// <summary>The current section's byte order; each section header may change it.</summary>
    public bool BigEndian;

    /// <summary>The absolute offset of the next block.</summary>
    public long Position;
}
