using System.Threading;

namespace Reassembly.Concurrency;

/// <summary>Read-only views of the domain's state for tests and benchmarks; none of them is used by the engine.</summary>
internal sealed partial class EpochDomain
{
    /// <summary>Objects retired and not yet reclaimed.</summary>
    internal long PendingCount => Volatile.Read(ref _pending.Value);

    /// <summary>Threads that ever registered (slots are adopted, never removed).</summary>
    internal int RegisteredSlotCount => Volatile.Read(ref _slots).Length;

    /// <summary>Closed batches waiting for their grace period.</summary>
    internal int ClosedBatchCount
    {
        get
        {
            lock (_retireLock)
            {
                return _closed.Count;
            }
        }
    }

    /// <summary>Whether the calling thread is inside a read section of this domain.</summary>
    internal bool IsCurrentThreadInReadSection =>
        t_slotsByDomain is { } slots && (uint)_index < (uint)slots.Length && slots[_index] is { } slot
        && slot.Domain == this && slot.Nesting > 0;
}
