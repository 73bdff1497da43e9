using Reassembly.Lowpan;
using Reassembly.Namespaces;

namespace Reassembly.Parsing;

/// <summary>Link layer, namespace and IP header of one frame, in one pass and without state.</summary>
internal static class FrameClassifier
{
    /// <summary>
    /// Classifies <paramref name="frame"/>, writing the parts straight into their destination (the fields of a
    /// <see cref="ClassifiedFrame"/> under construction): the descriptor is filled by small stores, and copying it
    /// whole right afterwards cost a store-forwarding stall per frame.
    /// </summary>
    public static FrameClass Classify(
        ReadOnlySpan<byte> frame, LinkType linkType, int interfaceId, NamespaceSelector selector, out PacketKind kind, out FragmentDescriptor fragment, out NamespaceKey @namespace)
    {
        if (LinkLayerDecoder.Decode(frame, linkType, out LinkLayerInfo link) != LinkDecodeStatus.Ok)
        {
            // The link decoder does not know 802.15.4, so the IP path pays nothing for it. Every 802.15.4 frame is
            // counted under 6LoWPAN, down to one too short for its MAC header.
            if (linkType is LinkType.Ieee802154WithFcs or LinkType.Ieee802154NoFcs or LinkType.Ieee802154Tap)
            {
                @namespace = selector == NamespaceSelector.None ? NamespaceKey.Default : NamespaceKey.For(selector, -1, interfaceId);
                kind = LowpanFrameParser.Classify(frame, linkType, out fragment);
                return FrameClass.Lowpan;
            }

            kind = PacketKind.Malformed;
            fragment = default;
            @namespace = NamespaceKey.Default;
            return FrameClass.LinkError;
        }

        @namespace = selector == NamespaceSelector.None ? NamespaceKey.Default : NamespaceKey.For(selector, link.OuterVlanId, interfaceId);
        switch (link.Protocol)
        {
            case NetworkProtocol.Ipv4:
                kind = Ipv4PacketParser.Parse(frame, link.NetworkOffset, link.VlanKey, out fragment);
                return FrameClass.Ipv4;
            case NetworkProtocol.Ipv6:
                kind = Ipv6PacketParser.Parse(frame, link.NetworkOffset, link.VlanKey, out fragment);
                return FrameClass.Ipv6;
            default:
                kind = PacketKind.Malformed;
                fragment = default;
                return FrameClass.NotIp;
        }
    }
}
