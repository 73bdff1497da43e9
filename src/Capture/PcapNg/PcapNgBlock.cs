using System.Buffers;

namespace Reassembly.Capture.PcapNg;

/// <summary>One complete, length-checked pcapng block as <see cref="PcapNgBlockReader"/> returns it.</summary>
internal readonly ref struct PcapNgBlock
{
    public PcapNgBlock(uint type, ReadOnlySequence<byte> body, bool bigEndian, long offset)
    {
        Type = type;
        Body = body;
        BigEndian = bigEndian;
        Offset = offset;
    }

    /// <summary>The block type (see <see cref="PcapNgBlockType"/>).</summary>
    public uint Type { get; }

    /// <summary>The bytes between the generic header and the trailing length.</summary>
    public ReadOnlySequence<byte> Body { get; }

    /// <summary>The byte order of the block's section (for a section header, the order it declares).</summary>
    public bool BigEndian { get; }

    /// <summary>The absolute offset of the block's first byte.</summary>
    public long Offset { get; }
}
