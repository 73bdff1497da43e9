namespace Reassembly.Capture;

/// <summary>Why a capture file was rejected; carried by <see cref="CaptureFormatException.Error"/>.</summary>
public enum CaptureFormatError
{
    /// <summary>The input holds no bytes at all.</summary>
    EmptyFile = 1,

    /// <summary>The input ends before the pcap global header or the first pcapng section header block is complete.</summary>
    TruncatedFileHeader,

    /// <summary>The first bytes are neither a pcap magic number nor a pcapng section header block, or a section header's byte-order magic is wrong.</summary>
    UnknownMagic,

    /// <summary>The file announces a major version this reader does not understand.</summary>
    UnsupportedVersion,

    /// <summary>A block or record length is smaller than its type's minimum, not a multiple of 4 (pcapng), or smaller than the fields it must hold.</summary>
    InvalidLength,

    /// <summary>A record or block is larger than <see cref="CaptureReaderOptions.MaxRecordLength"/>.</summary>
    RecordTooLarge,

    /// <summary>A pcapng block's trailing length differs from its leading length.</summary>
    LengthMismatch,

    /// <summary>A pcapng option runs past the end of its block.</summary>
    InvalidOption,

    /// <summary>A packet block references an interface that no interface description block of the current section declared.</summary>
    UnknownInterface,

    /// <summary>A timestamp cannot be represented as nanoseconds since the Unix epoch in a 64-bit signed integer.</summary>
    TimestampOutOfRange,

    /// <summary>The parser failed on the bytes in a way no other reason describes (the inner exception has the detail).</summary>
    Malformed,
}
