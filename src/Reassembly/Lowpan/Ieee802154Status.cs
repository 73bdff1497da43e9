namespace Reassembly.Lowpan;

/// <summary>The outcome of parsing an IEEE 802.15.4 frame's header.</summary>
internal enum Ieee802154Status : byte
{
    Ok,

    /// <summary>The frame ends inside its capture header or MAC header.</summary>
    Truncated,

    /// <summary>The frame check sequence does not match the bytes (link type 195, or a TAP header that says so).</summary>
    BadFcs,

    /// <summary>A form the parser does not decode: reserved frame version or address mode, frame types 4-7, a malformed IE list.</summary>
    Unsupported,
}
