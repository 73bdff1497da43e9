namespace Reassembly.Concurrency;

/// <summary>
/// Gives a retired object back (to a pool, a free list, or simply to the GC) once no reader can still see it.
/// </summary>
/// <remarks>
/// <see cref="EpochDomain"/> calls <see cref="Reclaim"/> after a grace period, on whichever thread ran
/// <see cref="EpochDomain.Poll()"/> or <see cref="EpochDomain.Synchronize"/>, and outside every lock of the domain, so a
/// reclaimer may retire more objects. It must not call <see cref="EpochDomain.Synchronize"/> (the grace period it would
/// wait for includes its own reclamation) and should not throw: an exception ends that batch's reclamation and the
/// batch's remaining objects are left to the GC.
/// </remarks>
internal interface IEpochReclaimer
{
    /// <summary>Takes back <paramref name="item"/>; no reader that obtained it inside a read section is still inside.</summary>
    void Reclaim(object item);
}
