namespace Reassembly.Lowpan;

/// <summary>The outcome of decompressing a 6LoWPAN header.</summary>
internal enum LowpanDecodeStatus : byte
{
    Ok,

    /// <summary>The header ends before its inline fields do, or the lengths contradict each other: malformed.</summary>
    Malformed,

    /// <summary>A form that is valid but not implemented, or a context that is not configured: counted, never guessed.</summary>
    Unsupported,
}
