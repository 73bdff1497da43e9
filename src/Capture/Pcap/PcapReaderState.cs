namespace Reassembly.Capture.Pcap;

/// <summary>
/// What a <see cref="PcapRecordReader"/> knows between reads: a plain struct the async loop keeps across awaits, because the
/// ref struct reader itself cannot live there (the <c>JsonReaderState</c> model).
/// </summary>
internal struct PcapReaderState
{
    /// <summary>True once the 24-byte file header has been read; the fields below are valid only then.</summary>
    public bool HeaderRead;

    /// <summary>The file was written big-endian (the magic read byte-swapped).</summary>
    public bool BigEndian;

    /// <summary>Record timestamps carry nanoseconds rather than microseconds in their fraction field.</summary>
    public bool Nanosecond;

    /// <summary>The header's link type with the FCS bits masked off.</summary>
    public LinkType LinkType;

    /// <summary>The header's snap length, clamped to <see cref="int.MaxValue"/>.</summary>
    public int SnapLength;

    /// <summary>The absolute offset of the next byte to parse (the start of the next header or record).</summary>
    public long Position;
}
