namespace Reassembly.Memory;

/// <summary>
/// Per-peer fair shares of a namespace's fragment memory, so that a source flooding fragments that never complete
/// loses its own queues first and cannot starve the others (no peer system has this: Linux evicts by age alone).
/// </summary>
/// <remarks>
/// <para>A peer's fair share is the namespace's usage divided among the peers that hold any of it, but never less
/// than <see cref="MemoryLimits.PeerShareFloorBytes"/>. A peer holding more is over its share. Since the share is the
/// average, at most all but one peer can be over it, and a peer alone is never over it; so the evictor, taking
/// over-share peers' queues first and falling back to the oldest queues, always makes progress.</para>
/// <para>How the engine uses it: in <see cref="MemoryPressureMode.Evict"/>, over the high threshold, evict the oldest
/// queues of peers that are over their share, then the oldest queues of anyone; in
/// <see cref="MemoryPressureMode.Refuse"/>, above the low threshold, refuse new queues from peers over their share,
/// so the others can still create queues until the high threshold. Against spoofed random sources (one queue each)
/// no peer passes the floor and age decides, which is right: benign datagrams complete while young.</para>
/// <para>Pure functions of their arguments: no state, thread-safe, allocation-free.</para>
/// </remarks>
internal static class FairShare
{
    /// <summary>A peer's fair share: <paramref name="namespaceBytes"/> / <paramref name="activePeers"/>, at least <paramref name="floorBytes"/>.</summary>
    /// <param name="namespaceBytes">The namespace's usage.</param>
    /// <param name="activePeers">Peers holding any of that usage (0 is taken as 1).</param>
    /// <param name="floorBytes">The smallest share (<see cref="MemoryLimits.PeerShareFloorBytes"/>).</param>
    public static long ShareBytes(long namespaceBytes, int activePeers, long floorBytes)
    {
        long average = Math.Max(namespaceBytes, 0) / Math.Max(activePeers, 1);
        return Math.Max(average, floorBytes);
    }

    /// <summary>True when a peer holding <paramref name="peerBytes"/> holds more than its fair share.</summary>
    public static bool IsOverShare(long peerBytes, long namespaceBytes, int activePeers, long floorBytes) =>
        peerBytes > ShareBytes(namespaceBytes, activePeers, floorBytes);

    /// <summary>How many bytes a peer holds beyond its fair share (0 when within it): what to evict from it first.</summary>
    public static long ExcessBytes(long peerBytes, long namespaceBytes, int activePeers, long floorBytes) =>
        Math.Max(peerBytes - ShareBytes(namespaceBytes, activePeers, floorBytes), 0);
}
