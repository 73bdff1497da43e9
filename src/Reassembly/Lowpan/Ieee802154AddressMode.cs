namespace Reassembly.Lowpan;

/// <summary>An IEEE 802.15.4 addressing mode (frame control bits 10-11 and 14-15).</summary>
internal enum Ieee802154AddressMode : byte
{
    /// <summary>No address (and, in most frames, no PAN ID).</summary>
    None = 0,

    /// <summary>Reserved by the standard: a frame that uses it is not decoded.</summary>
    Reserved = 1,

    /// <summary>A 16-bit short address, assigned by the PAN coordinator.</summary>
    Short = 2,

    /// <summary>A 64-bit extended address (an EUI-64).</summary>
    Extended = 3,
}
