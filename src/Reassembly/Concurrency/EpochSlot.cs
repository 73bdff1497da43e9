using System.Threading;

namespace Reassembly.Concurrency;

/// <summary>
/// One thread's read-side state in one <see cref="EpochDomain"/>: the epoch it entered at (0 when quiescent) and how
/// deeply its sections are nested.
/// </summary>
/// <remarks>
/// Only the owning thread writes <see cref="Epoch"/> and the nesting depth (while it is alive); writers only read them.
/// A slot whose owner thread has exited is treated as quiescent whatever it holds, and is handed to the next thread that
/// registers with the domain (<see cref="Adopt"/>, under the domain's registry lock).
/// </remarks>
internal sealed class EpochSlot
{
    private CacheLinePadded _line;
    private Thread _owner;

    public EpochSlot(EpochDomain domain, Thread owner)
    {
        Domain = domain;
        _owner = owner;
    }

    /// <summary>The domain this slot belongs to; a thread's slot cache is indexed by recycled domain indices.</summary>
    public EpochDomain Domain { get; }

    /// <summary>The thread that owns the slot; replaced only when it has exited.</summary>
    public Thread Owner => Volatile.Read(ref _owner);

    /// <summary>The epoch the owner's outermost open section entered at, or 0 when it is quiescent.</summary>
    public ref long Epoch => ref _line.Value;

    /// <summary>Open sections of the owner (owner-only, no ordering needed).</summary>
    public ref int Nesting => ref _line.OwnerWord;

    /// <summary>Hands the slot of a thread that has exited to <paramref name="owner"/>, quiescent.</summary>
    public void Adopt(Thread owner)
    {
        // Quiescent before the new owner is published: a scanner that reads the dead owner's stale epoch and then the
        // new (alive) owner is merely conservative for one scan.
        _line.OwnerWord = 0;
        Volatile.Write(ref _line.Value, 0);
        Volatile.Write(ref _owner, owner);
    }
}
