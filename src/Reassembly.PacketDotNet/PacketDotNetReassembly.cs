using PacketDotNet;
using PacketDotNet.Utils;

namespace Reassembly.Interop;

/// <summary>
/// PacketDotNet interop: hand a <see cref="Reassembler"/> PacketDotNet packets, and get reassembled datagrams back as
/// PacketDotNet packets, so existing PacketDotNet code (dissectors, filters) sees whole datagrams.
/// </summary>
/// <remarks>
/// Convenience, not the fast path: the packet's bytes are read in place, but each reassembled datagram is copied and
/// parsed into a PacketDotNet object graph. For a SharpPcap <c>RawCapture</c>, call
/// <c>reassembler.Process(capture.Data, capture.LinkLayerType.ToLinkType(), timestamp)</c> on the core API (no parse at
/// all), or <c>reassembler.Process(capture.GetPacket(), timestamp)</c> here. Threading is the reassembler's: one
/// thread at a time.
/// </remarks>
public static class PacketDotNetReassembly
{
    /// <summary>
    /// Processes a packet whose outermost header names its link layer (see <see cref="LinkLayerMapping.TryGetLinkLayer"/>).
    /// </summary>
    /// <param name="reassembler">The reassembler.</param>
    /// <param name="packet">The captured packet, from its link-layer header (as <see cref="Packet.ParsePacket"/> returns it).</param>
    /// <param name="timestampNanoseconds">Capture time, in nanoseconds since the Unix epoch.</param>
    /// <param name="interfaceId">The capture interface.</param>
    /// <returns>The status, and the reassembled datagram as a PacketDotNet packet when the packet completed one.</returns>
    /// <exception cref="ArgumentException">The packet's type names no link layer: use the overload that takes one.</exception>
    public static PacketReassemblyResult Process(this Reassembler reassembler, Packet packet, long timestampNanoseconds, int interfaceId = 0)
    {
        ArgumentNullException.ThrowIfNull(packet);
        if (!LinkLayerMapping.TryGetLinkLayer(packet, out LinkLayers linkLayer))
        {
            throw new ArgumentException($"A {packet.GetType().Name} names no link layer; pass it explicitly.", nameof(packet));
        }

        return Process(reassembler, packet, linkLayer, timestampNanoseconds, interfaceId);
    }

    /// <summary>As <see cref="Process(Reassembler, Packet, long, int)"/>, with the capture time as a <see cref="DateTime"/> (as SharpPcap's <c>PosixTimeval.Date</c>; UTC).</summary>
    /// <param name="reassembler">The reassembler.</param>
    /// <param name="packet">The captured packet, from its link-layer header.</param>
    /// <param name="timestamp">Capture time, UTC.</param>
    /// <param name="interfaceId">The capture interface.</param>
    /// <returns>The status, and the reassembled datagram as a PacketDotNet packet when the packet completed one.</returns>
    /// <exception cref="ArgumentException">The packet's type names no link layer.</exception>
    public static PacketReassemblyResult Process(this Reassembler reassembler, Packet packet, DateTime timestamp, int interfaceId = 0) =>
        Process(reassembler, packet, Reassembler.ToUnixNanoseconds(new DateTimeOffset(DateTime.SpecifyKind(timestamp, DateTimeKind.Utc))), interfaceId);

    /// <summary>Processes a packet whose link layer is given.</summary>
    /// <param name="reassembler">The reassembler.</param>
    /// <param name="packet">The captured packet, from its link-layer header.</param>
    /// <param name="linkLayer">The capture's link layer.</param>
    /// <param name="timestampNanoseconds">Capture time, in nanoseconds since the Unix epoch.</param>
    /// <param name="interfaceId">The capture interface.</param>
    /// <returns>The status, and the reassembled datagram as a PacketDotNet packet when the packet completed one.</returns>
    public static PacketReassemblyResult Process(this Reassembler reassembler, Packet packet, LinkLayers linkLayer, long timestampNanoseconds, int interfaceId = 0)
    {
        ArgumentNullException.ThrowIfNull(reassembler);
        ArgumentNullException.ThrowIfNull(packet);

        // BytesSegment is the packet's own memory when it was parsed, and a fresh copy when it was built in code.
        ByteArraySegment bytes = packet.BytesSegment;
        using ReassemblyResult result = reassembler.Process(bytes.Bytes.AsSpan(bytes.Offset, bytes.Length), linkLayer.ToLinkType(), timestampNanoseconds, interfaceId);
        return result.IsReassembled
            ? new PacketReassemblyResult(result.Status, result.Datagram.ToPacket(), result.Datagram.TimestampNanoseconds)
            : new PacketReassemblyResult(result.Status, null, 0);
    }

    /// <summary>
    /// Copies a reassembled datagram into a new PacketDotNet packet: the first fragment's link-layer header and the
    /// whole IP packet, parsed as its link type. The datagram is not disposed (its owner still must).
    /// </summary>
    /// <param name="datagram">A datagram not yet disposed.</param>
    /// <returns>The packet, which owns its bytes.</returns>
    /// <exception cref="ObjectDisposedException">The datagram was disposed.</exception>
    public static Packet ToPacket(this ReassembledDatagram datagram)
    {
        ArgumentNullException.ThrowIfNull(datagram);
        return Packet.ParsePacket(datagram.LinkType.ToLinkLayers(), datagram.Frame.ToArray());
    }
}
