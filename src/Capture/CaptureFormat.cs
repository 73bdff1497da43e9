namespace Reassembly.Capture;

/// <summary>The container format of a capture file.</summary>
public enum CaptureFormat
{
    /// <summary>Not known yet: a reader has not seen the file's first bytes.</summary>
    Unknown = 0,

    /// <summary>Classic libpcap format (one global header, then packet records; one link type per file).</summary>
    Pcap = 1,

    /// <summary>pcapng (sections of blocks; any number of interfaces, each with its own link type).</summary>
    PcapNg = 2,
}
