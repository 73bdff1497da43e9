using System.Globalization;

namespace Reassembly.Namespaces;

/// <summary>
/// Which namespace a frame belongs to: the parts of the frame that the <see cref="NamespaceSelector"/> looks at, with
/// -1 for a part it ignores (or that the frame lacks: an untagged frame has no VLAN ID).
/// </summary>
internal readonly record struct NamespaceKey(int VlanId, int InterfaceId)
{
    /// <summary>The only namespace of <see cref="NamespaceSelector.None"/>.</summary>
    public static NamespaceKey Default => new(-1, -1);

    public static NamespaceKey For(NamespaceSelector selector, int outerVlanId, int interfaceId) => selector switch
    {
        NamespaceSelector.Vlan => new(Math.Max(outerVlanId, -1), -1),
        NamespaceSelector.Interface => new(-1, interfaceId),
        NamespaceSelector.VlanAndInterface => new(Math.Max(outerVlanId, -1), interfaceId),
        _ => Default,
    };

    /// <summary>The name statistics use: <c>default</c>, <c>vlan=100</c>, <c>vlan=untagged</c>, <c>interface=1</c>, or both joined by a comma.</summary>
    public string Name(NamespaceSelector selector)
    {
        string vlan = VlanId < 0 ? "vlan=untagged" : string.Create(CultureInfo.InvariantCulture, $"vlan={VlanId}");
        string itf = string.Create(CultureInfo.InvariantCulture, $"interface={InterfaceId}");
        return selector switch
        {
            NamespaceSelector.Vlan => vlan,
            NamespaceSelector.Interface => itf,
            NamespaceSelector.VlanAndInterface => itf + "," + vlan,
            _ => "default",
        };
    }
}
