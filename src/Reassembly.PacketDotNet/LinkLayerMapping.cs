using PacketDotNet;

namespace Reassembly.Interop;

/// <summary>
/// Converts between PacketDotNet's <see cref="LinkLayers"/> and the engine's <see cref="LinkType"/>. Both number link
/// types as the tcpdump.org LINKTYPE_ registry does, so the conversion keeps the value.
/// </summary>
public static class LinkLayerMapping
{
    /// <summary>The engine's link type for a PacketDotNet link layer (the same LINKTYPE_ number).</summary>
    /// <param name="linkLayer">A PacketDotNet link layer.</param>
    public static LinkType ToLinkType(this LinkLayers linkLayer) => (LinkType)(int)linkLayer;

    /// <summary>PacketDotNet's link layer for an engine link type (the same LINKTYPE_ number).</summary>
    /// <param name="linkType">An engine link type.</param>
    public static LinkLayers ToLinkLayers(this LinkType linkType) => (LinkLayers)(int)linkType;

    /// <summary>
    /// The link layer a packet's outermost header stands for: Ethernet, Linux cooked (v1 and v2), BSD loopback, raw IP
    /// (<see cref="RawIPPacket"/>), or a bare IPv4 or IPv6 packet.
    /// </summary>
    /// <param name="packet">The outermost packet, as <see cref="Packet.ParsePacket"/> returns it.</param>
    /// <param name="linkLayer">The link layer, when the packet's type names one.</param>
    /// <returns>False for any other type: pass the link layer explicitly then.</returns>
    public static bool TryGetLinkLayer(Packet packet, out LinkLayers linkLayer)
    {
        ArgumentNullException.ThrowIfNull(packet);
        LinkLayers? found = packet switch
        {
            EthernetPacket => LinkLayers.Ethernet,
            LinuxSllPacket => LinkLayers.LinuxSll,
            LinuxSll2Packet => LinkLayers.LinuxSll2,
            NullPacket => LinkLayers.Null,
            RawIPPacket => LinkLayers.Raw,
            IPv4Packet => LinkLayers.IPv4,
            IPv6Packet => LinkLayers.IPv6,
            _ => null,
        };
        linkLayer = found.GetValueOrDefault();
        return found is not null;
    }
}
