using Reassembly.Namespaces;

namespace Reassembly.Parsing;

/// <summary>Link layer, namespace and IP header of one frame, in one pass and without state.</summary>
internal static class FrameClassifier
{
    public static ClassifiedFrame Classify(ReadOnlySpan<byte> frame, LinkType linkType, int interfaceId, NamespaceSelector selector, long frameIndex)
    {
        if (LinkLayerDecoder.Decode(frame, linkType, out LinkLayerInfo link) != LinkDecodeStatus.Ok)
        {
            return new ClassifiedFrame(FrameClass.LinkError, PacketKind.Malformed, default, NamespaceKey.Default, linkType, interfaceId, frameIndex);
        }

        NamespaceKey key = selector == NamespaceSelector.None ? NamespaceKey.Default : NamespaceKey.For(selector, link.OuterVlanId, interfaceId);
        FragmentDescriptor fragment;
        switch (link.Protocol)
        {
            case NetworkProtocol.Ipv4:
                PacketKind kind4 = Ipv4PacketParser.Parse(frame, link.NetworkOffset, link.VlanKey, out fragment);
                return new ClassifiedFrame(FrameClass.Ipv4, kind4, in fragment, key, linkType, interfaceId, frameIndex);
            case NetworkProtocol.Ipv6:
                PacketKind kind6 = Ipv6PacketParser.Parse(frame, link.NetworkOffset, link.VlanKey, out fragment);
                return new ClassifiedFrame(FrameClass.Ipv6, kind6, in fragment, key, linkType, interfaceId, frameIndex);
            default:
                return new ClassifiedFrame(FrameClass.NotIp, PacketKind.Malformed, default, key, linkType, interfaceId, frameIndex);
        }
    }
}
