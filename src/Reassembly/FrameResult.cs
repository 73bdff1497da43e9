namespace Reassembly;

/// <summary>The outcome of <see cref="ReassemblyEngine.Process"/> for one frame.</summary>
public readonly struct FrameResult
{
    internal FrameResult(FrameDisposition disposition, ReassembledDatagram? datagram = null)
    {
        Disposition = disposition;
        Datagram = datagram;
    }

    /// <summary>What happened to the frame.</summary>
    public FrameDisposition Disposition { get; }

    /// <summary>
    /// The reassembled datagram when <see cref="Disposition"/> is <see cref="FrameDisposition.Reassembled"/> (or, for a
    /// 6LoWPAN packet, <see cref="FrameDisposition.Decompressed"/>), else
    /// null. The caller owns it and must dispose it, which returns its buffer to the engine.
    /// </summary>
    public ReassembledDatagram? Datagram { get; }
}
