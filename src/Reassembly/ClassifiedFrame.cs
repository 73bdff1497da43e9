using System.Runtime.CompilerServices;
using Reassembly.Namespaces;
using Reassembly.Parsing;

namespace Reassembly;

/// <summary>
/// A frame parsed once by <see cref="ReassemblyEngine.Classify(ReadOnlySpan{byte}, LinkType, int, long)"/>: what it carries, its namespace and, for a fragment,
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

    /// <summary>Classifies <paramref name="frame"/> (see <see cref="FrameClassifier.Classify"/>), parsing in place.</summary>
    internal ClassifiedFrame(ReadOnlySpan<byte> frame, LinkType linkType, int interfaceId, NamespaceSelector selector, long frameIndex)
    {
        FrameIndex = frameIndex;
        LinkType = linkType;
        InterfaceId = interfaceId;
        Class = FrameClassifier.Classify(frame, linkType, interfaceId, selector, out Kind, out Fragment, out Namespace);
    }

    /// <summary>
    /// Classifies <paramref name="frame"/> into <paramref name="target"/> where it lies, as the constructor would. The
    /// JIT builds a returned or assigned struct in a temporary and copies it, and copying the descriptor just after
    /// the parser wrote it field by field costs a store-forwarding stall per frame; so this is the one place that
    /// writes the readonly fields outside the constructor, while <paramref name="target"/> is still being initialized.
    /// </summary>
    internal static void InitializeInPlace(out ClassifiedFrame target, ReadOnlySpan<byte> frame, LinkType linkType, int interfaceId, NamespaceSelector selector, long frameIndex)
    {
        Unsafe.SkipInit(out target);
        Unsafe.AsRef(in target.FrameIndex) = frameIndex;
        Unsafe.AsRef(in target.LinkType) = linkType;
        Unsafe.AsRef(in target.InterfaceId) = interfaceId;
        Unsafe.AsRef(in target.Class) = FrameClassifier.Classify(
            frame, linkType, interfaceId, selector, out Unsafe.AsRef(in target.Kind), out Unsafe.AsRef(in target.Fragment), out Unsafe.AsRef(in target.Namespace));
    }

    /// <summary>True for an IPv4, IPv6 or 6LoWPAN fragment (a frame that goes into a reassembly queue).</summary>
    public bool IsFragment => Kind == PacketKind.Fragment && Class is FrameClass.Ipv4 or FrameClass.Ipv6 or FrameClass.Lowpan;

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
