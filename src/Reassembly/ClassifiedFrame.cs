using Reassembly.Namespaces;
using Reassembly.Parsing;

namespace Reassembly;

/// <summary>
/// A frame parsed once by <see cref="ReassemblyEngine.Classify"/>: what it carries, its namespace and, for a fragment,
/// where its pieces lie. A capture front end classifies each frame, steers it to a worker by
/// <see cref="SteeringHash"/>, and the worker processes it with <see cref="ReassemblyWorker.Process"/> without parsing
/// it again.
/// </summary>
/// <remarks>
/// The classification holds offsets into the frame, not the bytes: the worker must be given the same bytes (a copy is
/// fine).
/// </remarks>
public readonly struct ClassifiedFrame
{
    internal readonly FragmentDescriptor Fragment;
    internal readonly NamespaceKey Namespace;
    internal readonly FrameClass Class;
    internal readonly PacketKind Kind;
    internal readonly LinkType LinkType;
    internal readonly int InterfaceId;
    internal readonly long FrameIndex;

    internal ClassifiedFrame(FrameClass frameClass, PacketKind kind, in FragmentDescriptor fragment, NamespaceKey @namespace, LinkType linkType, int interfaceId, long frameIndex)
    {
        FrameIndex = frameIndex;
        Class = frameClass;
        Kind = kind;
        Fragment = fragment;
        Namespace = @namespace;
        LinkType = linkType;
        InterfaceId = interfaceId;
    }

    /// <summary>True for an IPv4 or IPv6 fragment (a frame that goes into a reassembly queue).</summary>
    public bool IsFragment => Kind == PacketKind.Fragment && Class is FrameClass.Ipv4 or FrameClass.Ipv6;

    /// <summary>
    /// Which worker must handle the frame: every fragment from one source address in one namespace has the same value,
    /// so one worker sees a peer's fragments in input order and the result never depends on thread timing. Frames that
    /// are not fragments touch no shared state and have 0. Use <c>SteeringHash % workerCount</c>.
    /// </summary>
    public uint SteeringHash
    {
        get
        {
            if (!IsFragment)
            {
                return 0;
            }

            ulong h = Fragment.Key.SourceSteeringHash() ^ ((ulong)(uint)Namespace.VlanId << 32) ^ (uint)Namespace.InterfaceId;
            h *= 0xC4CEB9FE1A85EC53UL;
            return (uint)(h >> 32);
        }
    }
}
