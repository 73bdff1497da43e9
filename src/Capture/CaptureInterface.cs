namespace Reassembly.Capture;

/// <summary>
/// One capture interface as a file describes it: the pcap global header (always interface 0), or one pcapng interface
/// description block (numbered in file order across all sections of the capture).
/// </summary>
public sealed class CaptureInterface
{
    internal CaptureInterface(int id, LinkType linkType, int snapLength, string? name, CaptureTimestampResolution timestampResolution, long timestampOffsetSeconds)
    {
        Id = id;
        LinkType = linkType;
        SnapLength = snapLength;
        Name = name;
        TimestampResolution = timestampResolution;
        TimestampOffsetSeconds = timestampOffsetSeconds;
    }

    /// <summary>The interface index that frames carry in <see cref="CaptureFrame.InterfaceId"/>.</summary>
    public int Id { get; }

    /// <summary>
    /// The link-layer type. A value that <see cref="Reassembly.LinkType"/> does not name is still carried, as a cast number.
    /// For pcap the FCS bits of the header's link-type field are masked off.
    /// </summary>
    public LinkType LinkType { get; }

    /// <summary>The maximum captured length the file declares (0 in pcapng means "no limit"); values above <see cref="int.MaxValue"/> read as <see cref="int.MaxValue"/>.</summary>
    public int SnapLength { get; }

    /// <summary>The pcapng <c>if_name</c> option, or null (always null for pcap).</summary>
    public string? Name { get; }

    /// <summary>The unit of this interface's timestamps in the file (frames are always converted to nanoseconds).</summary>
    public CaptureTimestampResolution TimestampResolution { get; }

    /// <summary>The pcapng <c>if_tsoffset</c> option: seconds added to every timestamp of this interface. 0 when absent.</summary>
    public long TimestampOffsetSeconds { get; }
}
