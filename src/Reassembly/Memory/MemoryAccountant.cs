using System.Diagnostics;
using System.Threading;
using Reassembly.Concurrency;

namespace Reassembly.Memory;

/// <summary>
/// Fragment memory accounting (Linux's <c>fqdir-&gt;mem</c> with thresholds, plus a global cap Linux lacks): every
/// namespace has a <see cref="NamespaceAccount"/>, and every charge to one is also a charge to this global account.
/// </summary>
/// <remarks>
/// <para><b>Bounds.</b> The global counter never exceeds <see cref="MemoryLimits.GlobalLimitBytes"/>, in either mode.
/// In <see cref="MemoryPressureMode.Refuse"/> a namespace's counter never exceeds its high threshold. In
/// <see cref="MemoryPressureMode.Evict"/> a namespace may pass its high threshold, and the engine brings it back
/// (<see cref="NamespaceAccount.BytesToEvict"/>) after each charge, so it overshoots by at most one charge per
/// worker. Each bound is a compare-and-swap loop that refuses to add past the limit (Kestrel's
/// <c>ResourceCounter.TryLockOne</c>), so it holds however many threads charge at once.</para>
/// <para><b>Invariants</b>: global usage is never more than the sum of the namespaces' usage, and equals it whenever
/// no charge or release is in flight. A charge adds to the namespace first and to the global account second (rolling
/// the namespace back if the cap refuses); a release subtracts from the global account first and the namespace
/// second. A namespace may thus read a little high for an instant (a refused charge about to be rolled back), which
/// can only make another charge fail early, never let one through past a bound. No counter is ever negative: a
/// release of more than was charged is a bug, asserted in debug builds.</para>
/// <para><b>Threading</b>: lock-free and wait-free but for CAS retries; the interlocked operations are full fences,
/// and the <see cref="Volatile"/> reads of the usage properties pair with them. Accounts never go away while the
/// accountant lives (a dismantled namespace releases what it holds and is then simply no longer charged).</para>
/// </remarks>
internal sealed class MemoryAccountant
{
    private MemoryLimits _limits;
    private CacheLinePadded _used;
    private long _peak;
    private long _failedCharges;

    /// <summary>Creates an accountant with <paramref name="limits"/> (validated here).</summary>
    public MemoryAccountant(MemoryLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        limits.Validate();
        _limits = limits;
    }

    /// <summary>
    /// The limits every account of this accountant uses now. Replaced whole by <see cref="UpdateLimits"/> (an RCU-style
    /// publish: a reader sees the old limits or the new, never a mix); readers that cache values derived from them
    /// compare the reference to notice a change.
    /// </summary>
    public MemoryLimits Limits => Volatile.Read(ref _limits);

    /// <summary>
    /// Publishes new limits (validated here) while workers run: a live reconfiguration. Usage already charged stays;
    /// the next charge, fold or refusal check compares it with the new thresholds, so lowering them makes the next
    /// growing worker evict (or refuse) down to them.
    /// </summary>
    public void UpdateLimits(MemoryLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        limits.Validate();

        // Pairs with the Volatile.Read in Limits: the object is fully built before any reader can reach it.
        Volatile.Write(ref _limits, limits);
    }

    /// <summary>Truesize bytes charged to all namespaces and not released.</summary>
    public long UsedBytes => Volatile.Read(ref _used.Value);

    /// <summary>The highest <see cref="UsedBytes"/> after a successful charge.</summary>
    public long PeakBytes => Volatile.Read(ref _peak);

    /// <summary>Charges the global cap refused.</summary>
    public long FailedCharges => Volatile.Read(ref _failedCharges);

    /// <summary>Creates the account of a namespace, with the accountant's thresholds.</summary>
    public NamespaceAccount CreateAccount(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return new NamespaceAccount(this, name);
    }

    /// <summary>
    /// Charges <paramref name="bytes"/> to <paramref name="account"/> and to the global account. Fails, charging
    /// nothing, when the global cap would be passed, or in refuse mode when the namespace's high threshold would be.
    /// </summary>
    /// <returns>True when charged; the caller must then <see cref="Release"/> exactly the same bytes later.</returns>
    public bool TryCharge(NamespaceAccount account, long bytes)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        Debug.Assert(ReferenceEquals(account.Accountant, this), "The account belongs to another accountant.");

        long namespaceLimit = Limits.Mode == MemoryPressureMode.Refuse ? account.HighThresholdBytes : long.MaxValue;
        if (!TryAdd(ref account.Counter, bytes, namespaceLimit, out long namespaceUsed))
        {
            account.NoteFailure();
            return false;
        }

        if (!TryAdd(ref _used.Value, bytes, Limits.GlobalLimitBytes, out long globalUsed))
        {
            // Undo the namespace half; until then the namespace reads high, which can only refuse, never admit.
            Interlocked.Add(ref account.Counter, -bytes);
            account.NoteFailure();
            Interlocked.Increment(ref _failedCharges);
            return false;
        }

        account.NotePeak(namespaceUsed);
        RaiseToAtLeast(ref _peak, globalUsed);
        return true;
    }

    /// <summary>
    /// Charges <paramref name="bytes"/> already taken (the engine folds each worker's usage in batches, see
    /// <see cref="WorkerNamespaceMemory"/>): always succeeds, so usage may pass a limit, and the caller then evicts or
    /// refuses to bring it back. The bounds of the type's remarks hold only for <see cref="TryCharge"/>; with this, a
    /// limit is passed by at most what one worker folds at once.
    /// </summary>
    public void Charge(NamespaceAccount account, long bytes)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        Debug.Assert(ReferenceEquals(account.Accountant, this), "The account belongs to another accountant.");

        // Namespace first, so that the global account never holds more than the namespaces do.
        long namespaceUsed = Interlocked.Add(ref account.Counter, bytes);
        long globalUsed = Interlocked.Add(ref _used.Value, bytes);
        account.NotePeak(namespaceUsed);
        RaiseToAtLeast(ref _peak, globalUsed);
    }

    /// <summary>Forgets the high-water marks (an engine reset); the current usage becomes the peak.</summary>
    public void ResetPeak() => Volatile.Write(ref _peak, UsedBytes);

    /// <summary>Returns <paramref name="bytes"/> earlier charged to <paramref name="account"/> by <see cref="TryCharge"/> or <see cref="Charge"/>.</summary>
    public void Release(NamespaceAccount account, long bytes)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        Debug.Assert(ReferenceEquals(account.Accountant, this), "The account belongs to another accountant.");

        // Global first, so that the global account never holds more than the namespaces do.
        long global = Interlocked.Add(ref _used.Value, -bytes);
        long used = Interlocked.Add(ref account.Counter, -bytes);
        Debug.Assert(global >= 0 && used >= 0, "Released more than was charged.");
    }

    /// <summary>Adds <paramref name="bytes"/> to <paramref name="counter"/> unless the sum would pass <paramref name="limit"/>.</summary>
    private static bool TryAdd(ref long counter, long bytes, long limit, out long result)
    {
        long current = Volatile.Read(ref counter);
        while (true)
        {
            // Written as a difference so that limits near long.MaxValue (Unlimited) cannot overflow.
            if (bytes > limit - current)
            {
                result = current;
                return false;
            }

            long seen = Interlocked.CompareExchange(ref counter, current + bytes, current);
            if (seen == current)
            {
                result = current + bytes;
                return true;
            }

            current = seen;
        }
    }

    /// <summary>Raises a high-water mark; after warm-up the first read almost always ends it, so it adds no contention.</summary>
    internal static void RaiseToAtLeast(ref long mark, long value)
    {
        long current = Volatile.Read(ref mark);
        while (value > current)
        {
            long seen = Interlocked.CompareExchange(ref mark, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
