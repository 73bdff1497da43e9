using System.Runtime.CompilerServices;
using System.Threading;

namespace Reassembly.Peers;

/// <summary>
/// The sequence half of a seqlock (Linux's <c>seqcount_t</c>): writers, already serialised by a lock of their own,
/// make it odd while they change the protected data and even again afterwards; a reader that saw the same even value
/// before and after its reads knows no writer ran in between.
/// </summary>
/// <remarks>
/// Invariants: the value is odd exactly while a writer is inside WriteBegin/WriteEnd; only the lock holder writes it;
/// it only grows (modulo 2^32), so equality across a read section means "no write section overlapped it".
/// Readers here never spin on an odd value: the caller treats "a writer may have run" as "confirm under the lock",
/// as inetpeer's <c>inet_getpeer</c> does after <c>read_seqretry</c>.
/// </remarks>
internal struct SequenceCounter
{
    private int _value;

    /// <summary>Starts a read section; returns the value to hand to <see cref="ReadRetry"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly int ReadBegin() =>
        // Acquire: the protected reads that follow cannot move before it. Pairs with the release in WriteEnd.
        Volatile.Read(in _value);

    /// <summary>
    /// Whether the read section begun with <paramref name="begin"/> may have overlapped a writer: true if a writer
    /// was inside at the start (odd) or has entered since (changed).
    /// </summary>
    /// <remarks>
    /// The caller's protected reads must themselves be Volatile.Read (acquire) so that this load stays after them;
    /// <see cref="PeerTable.Walk"/> reads every link that way. Pairs with the full fence in WriteBegin: a reader
    /// that saw any store of the write section also sees the odd value stored before it.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly bool ReadRetry(int begin) => (begin & 1) != 0 || Volatile.Read(in _value) != begin;

    /// <summary>Enters a write section. The caller holds the writers' lock.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteBegin() =>
        // Interlocked for its full fence: the odd value must be visible before any store of the section (a release
        // write would let later stores move ahead of it). Pairs with the Volatile.Read in ReadRetry.
        Interlocked.Increment(ref _value);

    /// <summary>Leaves a write section.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteEnd() =>
        // Release: every store of the section is visible before the even value. Pairs with the acquire in ReadBegin.
        Volatile.Write(ref _value, _value + 1);

    /// <summary>The raw value, for tests.</summary>
    internal readonly int Value => Volatile.Read(in _value);
}
