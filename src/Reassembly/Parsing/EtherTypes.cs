namespace Reassembly.Parsing;

/// <summary>EtherType values the link-layer decoder acts on.</summary>
internal static class EtherTypes
{
    public const ushort Ipv4 = 0x0800;
    public const ushort Ipv6 = 0x86DD;

    /// <summary>IEEE 802.1Q customer tag.</summary>
    public const ushort Vlan = 0x8100;

    /// <summary>IEEE 802.1ad service tag (QinQ outer tag).</summary>
    public const ushort ServiceVlan = 0x88A8;

    /// <summary>Pre-standard QinQ outer tag still emitted by some switches.</summary>
    public const ushort LegacyQinQ = 0x9100;

    public static bool IsVlanTag(ushort etherType) =>
        etherType == Vlan || etherType == ServiceVlan || etherType == LegacyQinQ;
}
