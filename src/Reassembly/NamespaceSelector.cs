namespace Reassembly;

/// <summary>
/// How frames are mapped to reassembly namespaces (the kernel's per-network-namespace fragment directories). Two
/// namespaces never mix fragments, even when addresses and IDs are identical: overlapping address spaces behind
/// different VLANs or capture points are real.
/// </summary>
public enum NamespaceSelector
{
    /// <summary>One namespace for everything (the default). Fragments are still keyed on their VLAN tag stack.</summary>
    None,

    /// <summary>One namespace per outer VLAN ID; untagged frames share one more.</summary>
    Vlan,

    /// <summary>One namespace per capture interface (pcapng interface or live device).</summary>
    Interface,

    /// <summary>One namespace per (capture interface, outer VLAN ID) pair.</summary>
    VlanAndInterface,
}
