using System.Diagnostics.CodeAnalysis;

namespace Reassembly;

/// <summary>
/// The outcome of <see cref="Reassembler.Process(ReadOnlySpan{byte}, LinkType, long, int)"/> for one frame: a
/// <see cref="Status"/> and, when the frame completed a datagram, that <see cref="Datagram"/>.
/// </summary>
/// <remarks>
/// <para><b>Ownership.</b> A result whose <see cref="Status"/> is <see cref="ReassemblyStatus.Reassembled"/> owns a
/// pooled <see cref="ReassembledDatagram"/>, and the caller must dispose it exactly once it is done with the bytes:
/// <c>using ReassemblyResult result = reassembler.Process(...);</c> is the simplest way. Disposing gives the buffer back
/// to the reassembler, which reuses it for a later datagram; a result never disposed leaks nothing for good (the GC
/// takes the buffer) but costs the pool a fresh allocation. Every other status owns nothing, and disposing it does
/// nothing.</para>
/// <para><b>Double dispose.</b> The result remembers which lease of the pooled datagram it was given, so disposing it
/// twice, or disposing two copies of it (it is a struct), is safe: only the first call returns the buffer, even if the
/// pool has since handed the same instance to another result. Reading <see cref="Datagram"/> after disposal throws
/// <see cref="ObjectDisposedException"/> instead of showing another datagram's bytes. Disposing the datagram itself
/// (<see cref="ReassembledDatagram.Dispose"/>) is equivalent to disposing the result, once; prefer the result, which
/// is the one protected against a stale second call.</para>
/// <para><b>Threads.</b> The result and its datagram may be moved to and disposed on any thread, but not disposed on
/// two threads at once.</para>
/// </remarks>
public readonly struct ReassemblyResult : IDisposable
{
    private readonly ReassembledDatagram? _datagram;
    private readonly int _lease;

    internal ReassemblyResult(ReassemblyStatus status, ReassembledDatagram? datagram)
    {
        Status = status;
        _datagram = datagram;
        _lease = datagram?.Lease ?? 0;
    }

    /// <summary>What happened to the frame.</summary>
    public ReassemblyStatus Status { get; }

    /// <summary>
    /// True when the frame completed a datagram (<see cref="ReassemblyStatus.Reassembled"/>): <see cref="Datagram"/>
    /// is then not null, and the caller must dispose this result.
    /// </summary>
    [MemberNotNullWhen(true, nameof(Datagram))]
    public bool IsReassembled => _datagram is not null;

    /// <summary>
    /// True when the caller should forward the frame it gave unchanged: <see cref="ReassemblyStatus.PassedThrough"/>
    /// and <see cref="ReassemblyStatus.Malformed"/> (the engine holds nothing of either).
    /// </summary>
    public bool ForwardsFrame => Status is ReassemblyStatus.PassedThrough or ReassemblyStatus.Malformed;

    /// <summary>
    /// The reassembled datagram when <see cref="Status"/> is <see cref="ReassemblyStatus.Reassembled"/>, else null.
    /// Owned by this result: valid until the result (or the datagram) is disposed, after which reading this throws.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The result or its datagram was disposed.</exception>
    public ReassembledDatagram? Datagram
    {
        get
        {
            ReassembledDatagram? datagram = _datagram;
            if (datagram is not null && datagram.Lease != _lease)
            {
                ThrowDisposed();
            }

            return datagram;
        }
    }

    /// <summary>The instance this result refers to, without the lease check (for tests of stale copies).</summary>
    internal ReassembledDatagram? Instance => _datagram;

    /// <summary>
    /// Returns the datagram's buffer to the reassembler (if this result carries one and has not been disposed):
    /// its spans must not be touched afterwards. Safe to call more than once, on any copy.
    /// </summary>
    public void Dispose()
    {
        ReassembledDatagram? datagram = _datagram;
        if (datagram is not null && datagram.Lease == _lease)
        {
            datagram.Dispose();
        }
    }

    [DoesNotReturn]
    private static void ThrowDisposed() => throw new ObjectDisposedException(nameof(ReassembledDatagram), "The result's datagram was disposed; its buffer may already hold another datagram.");
}
