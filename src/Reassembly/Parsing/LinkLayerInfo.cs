namespace Reassembly.Parsing;

/// <summary>The parts of a link-layer header that reassembly needs.</summary>
internal struct LinkLayerInfo
{
    /// <summary>Offset of the network-layer header within the frame.</summary>
    public int NetworkOffset;

    public NetworkProtocol Protocol;

    /// <summary>The VLAN tag stack packed into a key (see <see cref="VlanStack"/>); 0 when untagged.</summary>
    public ulong VlanKey;

    /// <summary>Number of 802.1Q/802.1ad tags between the MAC addresses and the payload.</summary>
    public int VlanDepth;

    /// <summary>The outermost tag's VLAN ID, or -1 when untagged.</summary>
    public int OuterVlanId;
}
