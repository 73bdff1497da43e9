namespace Reassembly;

/// <summary>
/// One item of <see cref="Reassembler.ReassembleAsync"/>: the frame that went in and what became of it. Owns the
/// reassembled datagram when there is one: dispose it (see <see cref="ReassemblyResult"/>; disposing twice is safe).
/// </summary>
public readonly struct ReassemblyOutput : IDisposable
{
    internal ReassemblyOutput(InputFrame input, ReassemblyResult result)
    {
        Input = input;
        Result = result;
    }

    /// <summary>The frame given, whose bytes the caller forwards when <see cref="ReassemblyResult.ForwardsFrame"/> is true.</summary>
    public InputFrame Input { get; }

    /// <summary>The outcome, with the reassembled datagram if the frame completed one.</summary>
    public ReassemblyResult Result { get; }

    /// <summary>Gives the reassembled datagram's buffer back, if there is one (<see cref="ReassemblyResult.Dispose"/>).</summary>
    public void Dispose() => Result.Dispose();
}
