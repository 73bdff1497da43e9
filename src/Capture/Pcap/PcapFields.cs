namespace Reassembly.Capture.Pcap;

/// <summary>
/// Byte offsets and lengths of the classic pcap layout (draft-ietf-opsawg-pcap; libpcap <c>pcap/pcap.h</c>), each offset the
/// previous one plus its length. All fields are in the byte order the magic number announces.
/// </summary>
internal static class PcapFields
{
    // File header (struct pcap_file_header).
    public const int MagicOffset = 0;
    public const int MagicLength = 4;
    public const int VersionMajorOffset = MagicOffset + MagicLength;
    public const int VersionMajorLength = 2;
    public const int VersionMinorOffset = VersionMajorOffset + VersionMajorLength;
    public const int VersionMinorLength = 2;
    public const int ThisZoneOffset = VersionMinorOffset + VersionMinorLength;
    public const int ThisZoneLength = 4;
    public const int SigFigsOffset = ThisZoneOffset + ThisZoneLength;
    public const int SigFigsLength = 4;
    public const int SnapLengthOffset = SigFigsOffset + SigFigsLength;
    public const int SnapLengthLength = 4;
    public const int LinkTypeOffset = SnapLengthOffset + SnapLengthLength;
    public const int LinkTypeLength = 4;
    public const int FileHeaderLength = LinkTypeOffset + LinkTypeLength;

    // Record header (struct pcap_sf_pkthdr), followed by CapturedLength bytes of frame data.
    public const int TimestampSecondsOffset = 0;
    public const int TimestampSecondsLength = 4;
    public const int TimestampFractionOffset = TimestampSecondsOffset + TimestampSecondsLength;
    public const int TimestampFractionLength = 4;
    public const int CapturedLengthOffset = TimestampFractionOffset + TimestampFractionLength;
    public const int CapturedLengthLength = 4;
    public const int OriginalLengthOffset = CapturedLengthOffset + CapturedLengthLength;
    public const int OriginalLengthLength = 4;
    public const int RecordHeaderLength = OriginalLengthOffset + OriginalLengthLength;

    /// <summary>Microsecond timestamps, as the magic reads in the file's own byte order.</summary>
    public const uint MicrosecondMagic = 0xA1B2C3D4;

    /// <summary>Nanosecond timestamps (NSEC_TCPDUMP_MAGIC).</summary>
    public const uint NanosecondMagic = 0xA1B23C4D;

    /// <summary>The version every pcap writer since libpcap 0.4 emits; readers accept any 2.x.</summary>
    public const ushort VersionMajor = 2;

    /// <summary>The minor version written alongside <see cref="VersionMajor"/>.</summary>
    public const ushort VersionMinor = 4;

    /// <summary>
    /// The link type proper is the low 16 bits of the header's link-type field; bits 26-31 carry the FCS length
    /// (libpcap <c>pcap-common.h</c>: LT_LINKTYPE, LT_FCS_LENGTH_PRESENT, LT_FCS_LENGTH).
    /// </summary>
    public const uint LinkTypeMask = 0x0000FFFF;

    /// <summary>libpcap's MAXIMUM_SNAPLEN: the snap length our pcap writer declares, and the largest frame it accepts.</summary>
    public const int MaximumSnapLength = 262144;
}
