namespace Reassembly.Lowpan;

/// <summary>An IEEE 802.15.4 MAC header as <see cref="Ieee802154FrameParser"/> decoded it.</summary>
internal struct Ieee802154Header
{
    public Ieee802154FrameType FrameType;

    /// <summary>The security-enabled bit: the payload is behind an auxiliary security header and usually encrypted.</summary>
    public bool SecurityEnabled;

    /// <summary>0 (2003), 1 (2006) or 2 (2015).</summary>
    public byte FrameVersion;

    /// <summary>The sequence number, or -1 when the frame suppresses it (2015).</summary>
    public int SequenceNumber;

    public Ieee802154Address Destination;

    /// <summary>The source; its PAN ID is the destination's when PAN ID compression elides it.</summary>
    public Ieee802154Address Source;

    /// <summary>Offset of the MAC payload in the captured frame (after any capture header and the MAC header).</summary>
    public int PayloadOffset;

    /// <summary>Bytes of MAC payload, the FCS excluded.</summary>
    public int PayloadLength;
}
