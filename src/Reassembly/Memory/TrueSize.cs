namespace Reassembly.Memory;

/// <summary>
/// What a fragment queue really costs, in the spirit of Linux's <c>skb-&gt;truesize</c>: the memory held, not the
/// payload carried. The engine charges these amounts to a <see cref="NamespaceAccount"/>.
/// </summary>
/// <remarks>
/// <para>Linux charges each fragment's whole sk_buff (a 2 KiB data slab, the sk_buff and its shared info: about
/// 2,880 bytes for a 1,480-byte fragment), so a 64 KiB datagram in 45 fragments costs about 129,736 bytes and
/// 4 MiB holds about 32 of them. We copy each fragment into the queue's buffer and keep no per-fragment packet, so
/// the same datagram costs its buffer (65,536 + 256 headroom + 24 array header = 65,816), the queue
/// (<see cref="QueueOverheadBytes"/>) and 45 x <see cref="FragmentOverheadBytes"/>: 70,904 bytes, and 4 MiB holds
/// about 59. The thresholds keep Linux's values because what they bound is memory, which is what we charge.</para>
/// <para>A queue's buffer is charged by its real length (a pooled size class, 2 to 64 KiB plus headroom), not by the
/// bytes received, because a queue created by one small fragment already holds the default 8 KiB buffer: a flood of
/// single fragments costs 9,336 bytes per queue, about 449 queues per 4 MiB.</para>
/// </remarks>
internal static class TrueSize
{
    /// <summary>The CLR's header on a byte array (object header, method table, length) on 64-bit.</summary>
    public const int ArrayHeaderBytes = 24;

    /// <summary>
    /// Charged once per queue: a new <c>FragmentQueue</c> with its three initial bookkeeping arrays (runs, held
    /// segments, scratch, arrival log, peer link) and its timer entry allocate 760 bytes on x64 (a test measures it), rounded up to 768 to
    /// cover its share of the table's and the pool's slots.
    /// </summary>
    public const int QueueOverheadBytes = 768;

    /// <summary>
    /// Charged once per fragment held: its run (8 bytes), its held segment and the scratch slot (16 each), 40 bytes,
    /// doubled for the slack of arrays that grow by doubling, rounded up to 96.
    /// </summary>
    public const int FragmentOverheadBytes = 96;

    /// <summary>The truesize of a datagram buffer of <paramref name="bufferLength"/> bytes.</summary>
    public static long OfBuffer(int bufferLength) => (long)bufferLength + ArrayHeaderBytes;
}
