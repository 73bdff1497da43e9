using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;

namespace Reassembly.Concurrency;

/// <summary>
/// An open read-side section of an <see cref="EpochDomain"/>, from <see cref="EpochDomain.EnterRead"/> to
/// <see cref="Dispose"/>: while it is open, nothing retired after the section began is reclaimed.
/// </summary>
/// <remarks>
/// Use it in a <c>using</c> on the thread that entered, and dispose each scope exactly once (it is a struct: a copy
/// disposed twice would close an enclosing section too). <c>default</c> is an empty scope whose Dispose does nothing.
/// </remarks>
internal readonly struct EpochReadScope : IDisposable
{
    private readonly EpochSlot? _slot;

    internal EpochReadScope(EpochSlot slot)
    {
        _slot = slot;
    }

    /// <summary>Leaves the section; the outermost exit makes the thread quiescent.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Dispose()
    {
        EpochSlot? slot = _slot;
        if (slot is null)
        {
            return;
        }

        Debug.Assert(slot.Owner == Thread.CurrentThread, "A read scope must be disposed on the thread that entered it.");
        Debug.Assert(slot.Nesting > 0, "A read scope was disposed twice (a copy of the struct?).");
        if (--slot.Nesting == 0)
        {
            // Release: every read of the section happens before the slot says quiescent. Pairs with the
            // Volatile.Read of the slot in EpochDomain.OldestActiveEpoch.
            Volatile.Write(ref slot.Epoch, EpochDomain.Quiescent);
        }
    }
}
