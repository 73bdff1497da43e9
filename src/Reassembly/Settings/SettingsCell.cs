using System.Threading;

namespace Reassembly.Settings;

/// <summary>
/// The engine's current <see cref="SettingsSnapshot"/>, published RCU-style: a writer builds a new snapshot and swaps
/// the reference; workers read it without a lock.
/// </summary>
/// <remarks>
/// Invariants: <see cref="Current"/> is never null and a published snapshot is never modified. The Volatile.Write in
/// <see cref="Publish"/> (release) pairs with the Volatile.Read in <see cref="Current"/> (acquire), so a worker that sees
/// the new reference sees the snapshot's fields as built. An old snapshot needs no grace period: it is garbage once no
/// worker holds it on its stack (the GC is our RCU). A worker reads it once per fragment, so a fragment never mixes two
/// snapshots; what it keeps (policy, deadline) it copies into the queue.
/// </remarks>
internal sealed class SettingsCell
{
    private SettingsSnapshot _current;

    public SettingsCell(SettingsSnapshot initial) => _current = initial;

    // Pairs with the Volatile.Write in Publish.
    public SettingsSnapshot Current => Volatile.Read(ref _current);

    // Pairs with the Volatile.Read in Current.
    public void Publish(SettingsSnapshot snapshot) => Volatile.Write(ref _current, snapshot);
}
