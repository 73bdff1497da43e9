using Reassembly.Memory;

namespace Reassembly;

/// <summary>
/// A reassembled datagram, as a frame of the first fragment's link type: that fragment's link-layer header followed
/// by the whole IP packet. A 6LoWPAN datagram (or unfragmented 6LoWPAN packet) is its decompressed IPv6 packet alone,
/// of <see cref="Reassembly.LinkType.Ipv6"/>. Pooled: dispose it once done, and do not touch its spans afterwards.
/// </summary>
/// <remarks>
/// Ownership: the engine hands each instance to exactly one caller through <see cref="FrameResult.Datagram"/> (or the
/// <see cref="ReassemblyResult"/> of a <see cref="Reassembler"/>, which owns it and guards against a stale second
/// dispose); <see cref="Dispose"/> gives the buffer back to the worker that produced it and may be called on any
/// thread, once: the instance is pooled, so a call after it has been handed out again would free the new owner's buffer.
/// </remarks>
public sealed class ReassembledDatagram : IDisposable, Concurrency.IReturnStackNode<ReassembledDatagram>
{
    private readonly Action<ReassembledDatagram> _recycle;
    private byte[]? _buffer;
    private int _frameStart;
    private int _frameLength;
    private int _linkHeaderLength;

    internal ReassembledDatagram(Action<ReassembledDatagram> recycle)
    {
        _recycle = recycle;
    }

    /// <summary>The worker's return stack link (see <see cref="ReassemblyWorker"/>); null while handed out.</summary>
    ReassembledDatagram? Concurrency.IReturnStackNode<ReassembledDatagram>.NextReturned { get; set; }

    /// <summary>The buffer of a disposed datagram, until its worker takes it back.</summary>
    internal byte[]? ReturnedBuffer { get; set; }

    /// <summary>The link-layer header and the IP packet, ready to write to a capture of <see cref="LinkType"/>.</summary>
    public ReadOnlySpan<byte> Frame => Buffer.AsSpan(_frameStart, _frameLength);

    /// <summary>The reassembled IP packet alone.</summary>
    public ReadOnlySpan<byte> Packet => Buffer.AsSpan(_frameStart + _linkHeaderLength, _frameLength - _linkHeaderLength);

    /// <summary>The link type of the first fragment's frame, whose header <see cref="Frame"/> starts with.</summary>
    public LinkType LinkType { get; private set; }

    /// <summary>The capture interface of the first fragment.</summary>
    public int InterfaceId { get; private set; }

    /// <summary>The timestamp of the fragment that completed the datagram, in nanoseconds since the Unix epoch.</summary>
    public long TimestampNanoseconds { get; private set; }

    /// <summary>The datagram's family.</summary>
    public IpFamily Family { get; private set; }

    /// <summary>How many fragments it was made of (duplicates not counted).</summary>
    public int FragmentCount { get; private set; }

    /// <summary>The identification its fragments carried (IPv4: 16 bits; IPv6: the Fragment header's 32, gone from <see cref="Packet"/>).</summary>
    public uint Identification { get; private set; }

    /// <summary>The overlap policy it was rebuilt under.</summary>
    public OverlapPolicy Policy { get; private set; }

    /// <summary>
    /// How many times this pooled instance has been disposed: a <see cref="ReassemblyResult"/> remembers the value it
    /// was handed out with, so that a stale copy can tell that the instance has since gone back to the pool (and
    /// perhaps out again to someone else). Written before the instance is pushed back to its worker (the push is a
    /// full fence), read by whoever still holds a result.
    /// </summary>
    internal int Lease { get; private set; }

    private byte[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(ReassembledDatagram));

    /// <summary>Gives the datagram's buffer back to the worker that produced it. A second call does nothing.</summary>
    public void Dispose()
    {
        byte[]? buffer = _buffer;
        if (buffer is null)
        {
            return;
        }

        _buffer = null;
        Lease++;
        ReturnedBuffer = buffer;
        _recycle(this);
    }

    internal void Attach(byte[] buffer, int frameStart, int frameLength, int linkHeaderLength, LinkType linkType, int interfaceId, long timestampNanoseconds, IpFamily family, int fragmentCount)
    {
        _buffer = buffer;
        _frameStart = frameStart;
        _frameLength = frameLength;
        _linkHeaderLength = linkHeaderLength;
        LinkType = linkType;
        InterfaceId = interfaceId;
        TimestampNanoseconds = timestampNanoseconds;
        Family = family;
        FragmentCount = fragmentCount;
    }

    internal void AttachIdentity(uint identification, OverlapPolicy policy)
    {
        Identification = identification;
        Policy = policy;
    }
}
