using PacketDotNet;

namespace Reassembly.Interop;

/// <summary>
/// What a <see cref="Reassembler"/> did with a PacketDotNet packet: the <see cref="Status"/>, and for a completed
/// datagram the datagram as a new PacketDotNet <see cref="Packet"/> of its own.
/// </summary>
/// <remarks>
/// Nothing to dispose: the reassembled bytes are copied into the new packet and the engine's pooled buffer is given
/// back before the result is returned, so the packet may be kept as long as wanted.
/// </remarks>
public readonly struct PacketReassemblyResult
{
    internal PacketReassemblyResult(ReassemblyStatus status, Packet? packet, long timestampNanoseconds)
    {
        Status = status;
        Packet = packet;
        TimestampNanoseconds = timestampNanoseconds;
    }

    /// <summary>What happened to the packet given (see <see cref="ReassemblyStatus"/>).</summary>
    public ReassemblyStatus Status { get; }

    /// <summary>
    /// When <see cref="Status"/> is <see cref="ReassemblyStatus.Reassembled"/>: the whole datagram, behind the first
    /// fragment's link-layer header, parsed by PacketDotNet; else null (forward the packet you gave if
    /// <see cref="ReassemblyStatus.PassedThrough"/>).
    /// </summary>
    public Packet? Packet { get; }

    /// <summary>For a reassembled datagram, the time of the fragment that completed it (nanoseconds since the Unix epoch); else 0.</summary>
    public long TimestampNanoseconds { get; }
}
