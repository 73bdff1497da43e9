using Reassembly.Core;

namespace Reassembly.Peers;

// Fragment memory a peer holds (issue 5, fair shares). Worker-owned: frames are steered by source, so one worker
// handles every queue of a peer and alone reads and writes these fields; the table never touches them.
internal sealed partial class Peer
{
    /// <summary>Truesize bytes charged for the queues on <see cref="OldestQueue"/>'s list.</summary>
    /// <remarks>
    /// Invariant: 0 with an empty list. A queue holds a reference to its peer for as long as it is on the list, so a
    /// peer with bytes is never collected or recycled, and a recycled peer starts with 0 and no queues.
    /// </remarks>
    internal long HeldBytes;

    /// <summary>The peer's oldest live queue (links <see cref="FragmentQueue.PeerOlder"/>/<see cref="FragmentQueue.PeerNewer"/>), evicted first when the peer is over its share.</summary>
    internal FragmentQueue? OldestQueue;

    /// <summary>The peer's newest live queue.</summary>
    internal FragmentQueue? NewestQueue;
}
