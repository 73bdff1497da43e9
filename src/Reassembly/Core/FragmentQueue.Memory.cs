using Reassembly.Memory;

namespace Reassembly.Core;

// Memory accounting state of a queue (issue 5). Every field here belongs to the worker that owns the queue; the
// links are those of its directory's QueueAgeList and of its peer's list of queues (WorkerNamespaceMemory).
internal sealed partial class FragmentQueue
{
    /// <summary>Truesize bytes charged for this queue and not yet released (0 while the queue is not live).</summary>
    public int ChargedBytes;

    /// <summary>Creation order among the worker's queues of the namespace, both families (frame indices may be absent).</summary>
    public long AgeStamp;

    /// <summary>Links of the directory's age list (oldest first), for eviction.</summary>
    public FragmentQueue? AgeOlder;

    /// <summary>See <see cref="AgeOlder"/>.</summary>
    public FragmentQueue? AgeNewer;

    /// <summary>Links of <see cref="Peer"/>'s list of queues (oldest first), for fair-share eviction.</summary>
    public FragmentQueue? PeerOlder;

    /// <summary>See <see cref="PeerOlder"/>.</summary>
    public FragmentQueue? PeerNewer;

    /// <summary>True while the queue is on its peer's list (and its charge counts towards the peer's bytes).</summary>
    public bool PeerLinked;

    /// <summary>What the queue holds now, in truesize bytes (<see cref="TrueSize"/>): queue, buffer, and fragments.</summary>
    public int TrueSizeBytes
    {
        get
        {
            byte[]? buffer = _buffer;
            int bufferBytes = buffer is null ? 0 : buffer.Length + TrueSize.ArrayHeaderBytes;
            return TrueSize.QueueOverheadBytes + bufferBytes + (FragmentCount * TrueSize.FragmentOverheadBytes);
        }
    }
}
