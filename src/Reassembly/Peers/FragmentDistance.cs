namespace Reassembly.Peers;

/// <summary>
/// Linux's <c>ip_frag_too_far</c> rule. Each fragment queue remembers the peer's fragment counter
/// (<see cref="Peer.NextFragmentSequence"/>) as of its latest fragment; when the next fragment arrives and the peer
/// has sent more than <c>maxDistance</c> fragments in between, the IP ID has probably wrapped, the queue's old
/// fragments belong to another datagram, and the caller resets the queue (counted as a reassembly failure) before
/// adding the new fragment.
/// </summary>
internal static class FragmentDistance
{
    /// <summary>
    /// Whether the peer has moved more than <paramref name="maxDistance"/> fragments past
    /// <paramref name="queueSequence"/>. <paramref name="peerSequenceNow"/> is the value just returned by
    /// <see cref="Peer.NextFragmentSequence"/> for the arriving fragment; 0 for <paramref name="maxDistance"/>
    /// disables the rule.
    /// </summary>
    /// <remarks>
    /// The difference is taken in unsigned 32-bit arithmetic, as the kernel's <c>end - start</c> on <c>unsigned
    /// int</c>, so the counter may wrap past <see cref="int.MaxValue"/> and zero without a false alarm. A queue
    /// record from the future (a difference above 2^31) also counts as too far, which is what the unsigned
    /// comparison gives and what Linux does.
    /// </remarks>
    public static bool IsTooFar(int queueSequence, int peerSequenceNow, int maxDistance)
    {
        if (maxDistance <= 0)
        {
            return false;
        }

        uint distance = unchecked((uint)peerSequenceNow - (uint)queueSequence);
        return distance > (uint)maxDistance;
    }

    /// <summary>
    /// The whole per-fragment step of <c>ip_frag_too_far</c>, for a fragment about to join a queue: counts the fragment
    /// on <paramref name="peer"/>, moves the queue's record to the new count, and says whether the queue had fallen
    /// more than <paramref name="maxDistance"/> behind, in which case the caller resets the queue (a reassembly
    /// failure) before adding the fragment.
    /// </summary>
    /// <param name="peer">The queue's peer, on which the queue holds a reference.</param>
    /// <param name="queueSequence">The queue's record of the peer's counter; updated in every case but "off".</param>
    /// <param name="queueHasFragments">
    /// Whether the queue holds fragments already. A new queue's record is meaningless, so its first fragment is never
    /// too far (the kernel's <c>qp-&gt;q.fragments_tail &amp;&amp;</c> test).
    /// </param>
    /// <param name="maxDistance">The limit; 0 disables the rule and, as in Linux, leaves the counter alone.</param>
    public static bool AdvanceAndCheck(Peer peer, ref int queueSequence, bool queueHasFragments, int maxDistance)
    {
        ArgumentNullException.ThrowIfNull(peer);
        if (maxDistance <= 0)
        {
            return false;
        }

        int start = queueSequence;
        int end = peer.NextFragmentSequence();
        queueSequence = end;
        return queueHasFragments && IsTooFar(start, end, maxDistance);
    }
}
