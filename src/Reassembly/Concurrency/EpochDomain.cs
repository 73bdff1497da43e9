using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;

namespace Reassembly.Concurrency;

/// <summary>
/// Epoch-based reclamation (RCU for .NET): readers mark read-side sections cheaply, writers retire objects they have
/// unlinked, and a retired object is handed to its <see cref="IEpochReclaimer"/> only after every reader that could
/// have seen it has left its section (a grace period).
/// </summary>
/// <remarks>
/// <para><b>Why.</b> The GC already keeps memory safe; what it cannot do is stop a pooled queue or buffer from being
/// reused while a lock-free reader still holds it. Retire-then-recycle through the domain is what makes recycling safe.</para>
/// <para><b>State.</b> A global epoch <c>G</c> (starts at 1, only grows, advanced under <c>_retireLock</c>); one
/// <see cref="EpochSlot"/> per registered thread on its own cache line, holding 0 (quiescent) or the value of <c>G</c>
/// read when its outermost section began; one open batch tagged <c>G</c> and a FIFO of closed batches with increasing tags.</para>
/// <para><b>Invariants.</b>
/// (1) The open batch's tag equals <c>G</c> and every closed batch's tag is smaller (both change only under
/// <c>_retireLock</c>). (2) An object is retired only after its writer unlinked it, so a reader that reads
/// <c>G</c> &gt; tag also sees the unlink: the unlink happens before <see cref="Retire"/> takes the lock, the advance past
/// the tag happens under the same lock later, and the reader's Volatile.Read of <c>G</c> pairs with that
/// Volatile.Write in <see cref="CloseOpenBatch"/>. (3) A closed batch with tag <c>T</c> is reclaimed only when, in a
/// scan after a full fence issued after it was closed, every slot is quiescent, holds an epoch &gt; <c>T</c>, or belongs
/// to a thread that has exited. (4) Only the thread holding <c>_reclaiming</c> dequeues and reclaims batches, and it
/// calls reclaimers with no lock held. (5) A reader's outermost enter stores its epoch with a full fence before
/// any load of the section.</para>
/// <para><b>The fences (a Dekker pattern).</b> Enter is "store my epoch, then load shared pointers"; a writer is "unlink,
/// then load every slot". Both sides need a store→load fence, or the reader's store may sit in its store buffer while
/// its loads see the old pointers and the writer's scan sees the slot quiescent. Readers store their epoch with
/// <see cref="Interlocked.Exchange(ref long, long)"/> (invariant 5), and the writer side issues
/// <see cref="Interlocked.MemoryBarrier"/> before each decisive scan: every reader then either has its epoch visible to
/// the scan, or executes its loads after the fence and sees the unlink. The reader's price, on the 2-core EPYC VM
/// (bench/README.md, EpochBenchmarks): enter and exit 2.6 ns instead of 1.9 ns with a plain store.</para>
/// <para><b>Why not the fence on the writer's side alone.</b> Readers once did a plain store and the writer a
/// process-wide barrier (<see cref="Interlocked.MemoryBarrierProcessWide"/>, membarrier, as liburcu's memb flavour),
/// which puts the whole fence on the rare side. Two things undid that. The quiescent shortcut needs the reader's
/// fence: a queue that waits out a grace period comes back to its pool batches later and cold, which with several
/// workers on one core cost a quarter of a pass (bench/README.md, session 9), so <see cref="NoOtherReaderInside"/>
/// (a full fence, then one load per slot) lets a writer reuse what it removed at once when no other thread is inside
/// a section, and that is sound only with the fence on both sides. And once readers fence, the barrier buys nothing
/// but its cost: 6-14 µs here and an interrupt on every core that runs one of our threads, paid by the other workers
/// and, in a parallel replay, by the reader (session 12 removed it).</para>
/// <para><b>Dead threads.</b> Slots are registered lazily per thread and never removed; a slot whose owner has exited
/// counts as quiescent (a thread that leaks an open scope and dies cannot stall reclamation) and is adopted by the
/// next thread to register.</para>
/// <para><b>Use.</b> Nesting on one thread is allowed. <see cref="Synchronize"/> throws inside a read section or a
/// reclaimer on the calling thread (it would wait for itself).</para>
/// </remarks>
internal sealed partial class EpochDomain : IDisposable
{
    /// <summary>The slot value of a thread outside every section.</summary>
    internal const long Quiescent = 0;

    /// <summary><see cref="Poll()"/> reclaims once this many objects wait, or once <see cref="ReclaimIntervalMilliseconds"/> passed.</summary>
    internal const int ReclaimThreshold = 64;

    /// <summary>The longest a retired object waits for a <see cref="Poll()"/> that finds fewer than <see cref="ReclaimThreshold"/> pending.</summary>
    internal const int ReclaimIntervalMilliseconds = 10;

    private const int MaxSpareBatches = 16;

    private static readonly Lock s_indexLock = new();
    private static readonly Stack<int> s_freeIndices = new();
    private static int s_nextIndex;

    // Each thread's slots, indexed by domain index (recycled when a domain is disposed; the slot's Domain tells stale
    // entries apart).
    [ThreadStatic]
    private static EpochSlot?[]? t_slotsByDomain;

    private CacheLinePadded _globalEpoch;
    private CacheLinePadded _pending;
    private readonly Lock _registryLock = new();
    private readonly Lock _retireLock = new();
    private readonly Queue<EpochRetireBatch> _closed = new();
    private readonly Stack<EpochRetireBatch> _spare = new();
    private readonly int _index;
    private EpochSlot[] _slots = [];
    private EpochRetireBatch _open;
    private int _reclaiming;
    private int _reclaimingThreadId;
    private long _lastReclaimTicks;
    private int _disposed;

    /// <summary>Creates a domain at epoch 1 with no registered thread.</summary>
    public EpochDomain()
    {
        _globalEpoch.Value = 1;
        _open = new EpochRetireBatch { Epoch = 1 };
        _lastReclaimTicks = Environment.TickCount64;
        lock (s_indexLock)
        {
            _index = s_freeIndices.Count > 0 ? s_freeIndices.Pop() : s_nextIndex++;
        }
    }

    /// <summary>The global epoch; grows by one each time a batch is closed.</summary>
    public long CurrentEpoch => Volatile.Read(ref _globalEpoch.Value);

    /// <summary>
    /// Enters a read-side section on this thread; dispose the scope to leave. Nothing retired from now on is reclaimed
    /// before the outermost scope of this thread is disposed. No lock and no allocation (the first call on a thread
    /// registers it); the outermost enter is one interlocked exchange on the thread's own cache line (the quiescent
    /// shortcut's fence, type remarks).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public EpochReadScope EnterRead()
    {
        EpochSlot slot = CurrentSlot();
        if (slot.Nesting++ == 0)
        {
            // Pairs with Volatile.Write of the epoch in CloseOpenBatch (invariant 2). The exchange is a full fence: the
            // store->load order against the section's loads that every writer-side scan relies on (invariant 5, the
            // type remarks' Dekker pattern).
            Interlocked.Exchange(ref slot.Epoch, Volatile.Read(ref _globalEpoch.Value));
        }

        return new EpochReadScope(slot);
    }

    /// <summary>
    /// Queues <paramref name="item"/>, which the caller has already made unreachable for new readers, for
    /// <paramref name="reclaimer"/> after a grace period. Takes a short lock; allocates nothing once batches are warm.
    /// </summary>
    public void Retire(object item, IEpochReclaimer reclaimer)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(reclaimer);
        lock (_retireLock)
        {
            // Taking the lock orders the caller's unlink before the advance that will close this batch (invariant 2).
            _open.Add(item, reclaimer);
            _pending.Value++;
        }
    }

    /// <summary>
    /// Advances the epoch and reclaims every batch whose grace period has elapsed, when enough is pending to be worth the
    /// retire lock and a scan of every slot (<see cref="ReclaimThreshold"/> objects, or any after <see cref="ReclaimIntervalMilliseconds"/>).
    /// With nothing to do it costs two loads. Never waits: another thread reclaiming or a reader still inside just means
    /// a later call does it.
    /// </summary>
    public void Poll() => Poll(force: false);

    /// <summary>
    /// Whether no thread but the caller is inside a read section now. When it returns true, whatever the caller unlinked
    /// before the call can be reused at once, with no grace period: a reader that could have seen it would still be
    /// inside (and show here), and a reader that enters later cannot reach it (type remarks, the quiescent shortcut).
    /// The caller's own sections do not count: what it reuses, it must no longer use itself. Costs a full fence and
    /// one load per registered thread. A slot left inside a section by a thread that has exited counts as quiescent, as
    /// it does for grace periods: a dead thread holds no pointers.
    /// </summary>
    public bool NoOtherReaderInside()
    {
        EpochSlot own = CurrentSlot();

        // Orders the caller's unlinks before the loads below; pairs with the full fence of EnterRead's exchange.
        Interlocked.MemoryBarrier();
        foreach (EpochSlot slot in Volatile.Read(ref _slots))
        {
            if (slot != own && Volatile.Read(ref slot.Epoch) != Quiescent && slot.Owner.IsAlive)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>As <see cref="Poll()"/>; with <paramref name="force"/>, reclaims what is ripe whatever the amount pending.</summary>
    public void Poll(bool force)
    {
        long pending = Volatile.Read(ref _pending.Value);
        if (pending == 0
            || (!force && pending < ReclaimThreshold
                && Environment.TickCount64 - Volatile.Read(ref _lastReclaimTicks) < ReclaimIntervalMilliseconds))
        {
            return;
        }

        if (Interlocked.CompareExchange(ref _reclaiming, 1, 0) != 0)
        {
            return;
        }

        _reclaimingThreadId = Environment.CurrentManagedThreadId;
        try
        {
            lock (_retireLock)
            {
                CloseOpenBatch(advanceIfEmpty: false);
                if (_closed.Count == 0)
                {
                    return;
                }
            }

            // Pairs with the fenced epoch store in EnterRead: after it, every reader's epoch store is visible to the scan
            // below or that reader's loads come after our unlinks (invariant 5, the type remarks' Dekker pattern).
            Interlocked.MemoryBarrier();
            ReclaimOlderThan(OldestActiveEpoch());
        }
        finally
        {
            _reclaimingThreadId = 0;
            Volatile.Write(ref _reclaiming, 0);
        }
    }

    /// <summary>
    /// Waits until every read section open at the call has closed, then reclaims everything retired before the call
    /// (synchronize_rcu followed by the callbacks). Must not be called inside a read section or a reclaimer.
    /// </summary>
    /// <exception cref="InvalidOperationException">The calling thread is inside a read section or a reclaimer.</exception>
    public void Synchronize()
    {
        ThrowIfWouldWaitForItself();
        long target;
        lock (_retireLock)
        {
            target = _globalEpoch.Value;
            CloseOpenBatch(advanceIfEmpty: true);
        }

        // See Poll: with the readers' fenced stores, every section that began at or before `target` is visible to the
        // scans below.
        Interlocked.MemoryBarrier();
        var spin = default(SpinWait);
        while (OldestActiveEpoch() <= target)
        {
            spin.SpinOnce();
        }

        // The batches up to `target` are ripe; if another thread is reclaiming it may be reclaiming ours, so wait for it.
        spin = default;
        while (Interlocked.CompareExchange(ref _reclaiming, 1, 0) != 0)
        {
            spin.SpinOnce();
        }

        _reclaimingThreadId = Environment.CurrentManagedThreadId;
        try
        {
            ReclaimOlderThan(target + 1);
        }
        finally
        {
            _reclaimingThreadId = 0;
            Volatile.Write(ref _reclaiming, 0);
        }
    }

    /// <summary>Reclaims everything still retired (after a grace period) and releases the domain's thread-cache index.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Synchronize();
        lock (s_indexLock)
        {
            s_freeIndices.Push(_index);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private EpochSlot CurrentSlot()
    {
        EpochSlot?[]? slots = t_slotsByDomain;
        int index = _index;
        if (slots is not null && (uint)index < (uint)slots.Length)
        {
            EpochSlot? slot = slots[index];
            if (slot is not null && slot.Domain == this)
            {
                return slot;
            }
        }

        return RegisterCurrentThread();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private EpochSlot RegisterCurrentThread()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        Thread current = Thread.CurrentThread;
        EpochSlot? slot = null;
        lock (_registryLock)
        {
            foreach (EpochSlot candidate in _slots)
            {
                if (!candidate.Owner.IsAlive)
                {
                    candidate.Adopt(current);
                    slot = candidate;
                    break;
                }
            }

            if (slot is null)
            {
                slot = new EpochSlot(this, current);
                var grown = new EpochSlot[_slots.Length + 1];
                _slots.CopyTo(grown, 0);
                grown[^1] = slot;

                // Pairs with Volatile.Read of _slots in OldestActiveEpoch: a scanner sees a fully built slot.
                Volatile.Write(ref _slots, grown);
            }
        }

        EpochSlot?[]? cache = t_slotsByDomain;
        if (cache is null || cache.Length <= _index)
        {
            Array.Resize(ref cache, Math.Max(_index + 1, (cache?.Length ?? 2) * 2));
            t_slotsByDomain = cache;
        }

        cache[_index] = slot;
        return slot;
    }

    /// <summary>The oldest epoch any live reader is inside, or <see cref="long.MaxValue"/> when none is.</summary>
    private long OldestActiveEpoch()
    {
        long oldest = long.MaxValue;
        foreach (EpochSlot slot in Volatile.Read(ref _slots))
        {
            // Pairs with the epoch stores in EnterRead (publish) and EpochReadScope.Dispose (release).
            long epoch = Volatile.Read(ref slot.Epoch);
            if (epoch != Quiescent && epoch < oldest && slot.Owner.IsAlive)
            {
                oldest = epoch;
            }
        }

        return oldest;
    }

    /// <summary>Closes the open batch and advances the epoch; call under <c>_retireLock</c>.</summary>
    private void CloseOpenBatch(bool advanceIfEmpty)
    {
        AssertInvariants();
        if (_open.Count == 0 && !advanceIfEmpty)
        {
            return;
        }

        long next = _globalEpoch.Value + 1;
        if (_open.Count > 0)
        {
            _closed.Enqueue(_open);
            _open = _spare.Count > 0 ? _spare.Pop() : new EpochRetireBatch();
        }

        _open.Epoch = next;

        // Pairs with Volatile.Read of the epoch in EnterRead (invariant 2): a reader that reads `next` also sees every
        // unlink that preceded a Retire into the batch just closed.
        Volatile.Write(ref _globalEpoch.Value, next);
    }

    /// <summary>Reclaims closed batches older than <paramref name="oldestActive"/>; the caller holds <c>_reclaiming</c>.</summary>
    private void ReclaimOlderThan(long oldestActive)
    {
        while (true)
        {
            EpochRetireBatch batch;
            lock (_retireLock)
            {
                AssertInvariants();
                if (_closed.Count == 0 || _closed.Peek().Epoch >= oldestActive)
                {
                    break;
                }

                batch = _closed.Dequeue();
            }

            int count = batch.Count;
            try
            {
                // Outside every lock (invariant 4): a reclaimer may retire again.
                batch.ReclaimAll();
            }
            finally
            {
                lock (_retireLock)
                {
                    _pending.Value -= count;
                    if (_spare.Count < MaxSpareBatches)
                    {
                        _spare.Push(batch);
                    }
                }
            }
        }

        Volatile.Write(ref _lastReclaimTicks, Environment.TickCount64);
    }

    private void ThrowIfWouldWaitForItself()
    {
        EpochSlot?[]? slots = t_slotsByDomain;
        if (slots is not null && (uint)_index < (uint)slots.Length && slots[_index] is { } slot && slot.Domain == this
            && slot.Nesting > 0)
        {
            throw new InvalidOperationException("Synchronize was called inside a read section of the same domain; it would wait for itself.");
        }

        if (Volatile.Read(ref _reclaimingThreadId) == Environment.CurrentManagedThreadId)
        {
            throw new InvalidOperationException("Synchronize was called from a reclaimer; it would wait for its own reclamation.");
        }
    }

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        Debug.Assert(_retireLock.IsHeldByCurrentThread, "Batches are touched only under the retire lock.");
        Debug.Assert(_open.Epoch == _globalEpoch.Value, "The open batch is tagged with the current epoch.");
        Debug.Assert(_closed.Count == 0 || _closed.Peek().Epoch < _open.Epoch, "Closed batches are older than the open one.");
        Debug.Assert(_pending.Value >= 0, "Pending objects never go negative.");
    }
}
