namespace Reassembly.Parsing;

/// <summary>Outcome of decoding a frame's link-layer header.</summary>
internal enum LinkDecodeStatus : byte
{
    /// <summary>The header was decoded; <see cref="LinkLayerInfo.Protocol"/> says what follows.</summary>
    Ok,

    /// <summary>The frame ends inside its link-layer header (or inside a VLAN tag).</summary>
    Truncated,

    /// <summary>The capture's link type is not one the engine decodes.</summary>
    UnsupportedLinkType,
}
