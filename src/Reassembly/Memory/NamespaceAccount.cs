using System.Threading;
using Reassembly.Concurrency;

namespace Reassembly.Memory;

/// <summary>
/// One namespace's fragment memory: truesize bytes charged by every worker that holds queues of the namespace, with
/// the namespace's thresholds. Charged and released only through its <see cref="MemoryAccountant"/>.
/// </summary>
/// <remarks>
/// <para><b>Invariants</b>: <see cref="UsedBytes"/> is the sum of the bytes charged and not yet released (plus, for
/// an instant, a charge the global cap is about to roll back), and is never negative; in
/// <see cref="MemoryPressureMode.Refuse"/> it never exceeds <see cref="HighThresholdBytes"/>; the namespace's
/// contribution to the global account is never more than <see cref="UsedBytes"/> (see
/// <see cref="MemoryAccountant"/>). <see cref="PeakBytes"/> is at least every value <see cref="UsedBytes"/> has
/// had after a successful charge.</para>
/// <para><b>Threading</b>: lock-free; any number of threads charge and release at once. The counter sits alone on
/// its cache line, because several workers hammer it while the rest of the object is read-only. Reads are
/// <see cref="Volatile"/> and see some recent value: a decision taken on one (<see cref="BytesToEvict"/>) is a
/// heuristic the next charge corrects, never a bound; the bounds are the compare-and-swaps in
/// <see cref="MemoryAccountant.TryCharge"/>.</para>
/// </remarks>
internal sealed class NamespaceAccount
{
    private CacheLinePadded _used;
    private long _peak;
    private long _failedCharges;

    internal NamespaceAccount(MemoryAccountant accountant, string name)
    {
        Accountant = accountant;
        Name = name;
    }

    /// <summary>The accountant whose global account this namespace is charged to.</summary>
    public MemoryAccountant Accountant { get; }

    /// <summary>The namespace's name (for statistics).</summary>
    public string Name { get; }

    /// <summary>Usage above which the namespace evicts or refuses (the accountant's current limits).</summary>
    public long HighThresholdBytes => Accountant.Limits.HighThresholdBytes;

    /// <summary>Usage an eviction brings the namespace down to (the accountant's current limits).</summary>
    public long LowThresholdBytes => Accountant.Limits.LowThresholdBytes;

    /// <summary>Truesize bytes charged and not released.</summary>
    public long UsedBytes => Volatile.Read(ref _used.Value);

    /// <summary>The highest <see cref="UsedBytes"/> after a successful charge.</summary>
    public long PeakBytes => Volatile.Read(ref _peak);

    /// <summary>Charges refused (by the high threshold in refuse mode, or by the global cap).</summary>
    public long FailedCharges => Volatile.Read(ref _failedCharges);

    /// <summary>True while usage is above the high threshold (in evict mode: the engine should evict).</summary>
    public bool IsOverHigh => UsedBytes > HighThresholdBytes;

    /// <summary>True while usage is above the low threshold (peers over their fair share may be refused or evicted).</summary>
    public bool IsOverLow => UsedBytes > LowThresholdBytes;

    /// <summary>
    /// How many bytes to evict to bring the namespace down to the low threshold, once it is above the high one; 0
    /// otherwise (Linux's evictor, which runs from high to low so that a flood pays per megabyte, not per fragment).
    /// </summary>
    public long BytesToEvict
    {
        get
        {
            long used = UsedBytes;
            return used > HighThresholdBytes ? used - LowThresholdBytes : 0;
        }
    }

    internal ref long Counter => ref _used.Value;

    /// <summary>Forgets the high-water mark (an engine reset); the current usage becomes the peak.</summary>
    internal void ResetPeak() => Volatile.Write(ref _peak, UsedBytes);

    internal void NotePeak(long used) => MemoryAccountant.RaiseToAtLeast(ref _peak, used);

    internal void NoteFailure() => Interlocked.Increment(ref _failedCharges);
}
