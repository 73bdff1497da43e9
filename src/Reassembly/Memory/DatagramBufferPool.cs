using System.Numerics;

namespace Reassembly.Memory;

/// <summary>
/// Buffers for datagrams under reassembly, in six size classes from 2 KiB to 64 KiB of payload, each with
/// <see cref="Headroom"/> bytes in front for the link-layer and IP headers of the first fragment.
/// </summary>
/// <remarks>
/// Why not <c>ArrayPool&lt;byte&gt;.Shared</c>: a queue holds its buffer for as long as its datagram is incomplete
/// (up to the 30 or 60 s timeout), so thousands are out at once, and the shared pool keeps only a few dozen arrays
/// per size; the rest fall to the GC, which then spends its time copying half-filled buffers. This pool keeps every
/// buffer it has handed out, so after warm-up no datagram allocates. It is bounded by the peak number of queues alive
/// at once, which the engine's memory limits bound in turn. Every class stays below the 85,000-byte large object
/// threshold, so buffers are compacted with the rest of the heap instead of fragmenting the LOH.
/// Each worker owns one and only its thread touches it: a datagram disposed on another thread travels back to the
/// worker through <see cref="ReassemblyWorker"/>'s return stack first, so renting and returning take no lock.
/// </remarks>
internal sealed class DatagramBufferPool
{
    /// <summary>Room in front of the payload for the first fragment's link-layer and IP headers.</summary>
    public const int Headroom = 256;

    private const int SmallestClassShift = 11;
    private const int ClassCount = 6;

    private readonly byte[][][] _free = new byte[ClassCount][][];
    private readonly int[] _freeCount = new int[ClassCount];

    public DatagramBufferPool()
    {
        for (int i = 0; i < ClassCount; i++)
        {
            _free[i] = new byte[16][];
        }
    }

    /// <summary>Called (on the owner's thread) when a size class is empty, so the owner can return what others gave back.</summary>
    public Action? RefillRequested { get; set; }

    /// <summary>The largest payload a pooled buffer holds.</summary>
    public static int LargestPayloadCapacity => 1 << (SmallestClassShift + ClassCount - 1);

    /// <summary>Returns a buffer of at least <paramref name="minimumLength"/> bytes (headroom included).</summary>
    public byte[] Rent(int minimumLength)
    {
        int sizeClass = ClassFor(minimumLength);
        if (sizeClass < 0)
        {
            // Only headers longer than the headroom get here (IPv6 with kilobytes of options): rare enough to let
            // the GC have it back afterwards.
            return new byte[minimumLength];
        }

        if (_freeCount[sizeClass] == 0)
        {
            // Buffers may be waiting in datagrams that other threads disposed: take them back before allocating.
            RefillRequested?.Invoke();
        }

        int count = _freeCount[sizeClass];
        if (count > 0)
        {
            _freeCount[sizeClass] = count - 1;
            byte[] buffer = _free[sizeClass][count - 1];
            _free[sizeClass][count - 1] = null!;
            return buffer;
        }

        return GC.AllocateUninitializedArray<byte>(ClassLength(sizeClass));
    }

    public void Return(byte[] buffer)
    {
        int sizeClass = ClassFor(buffer.Length);
        if (sizeClass < 0 || ClassLength(sizeClass) != buffer.Length)
        {
            return;
        }

        int count = _freeCount[sizeClass];
        byte[][] stack = _free[sizeClass];
        if (count == stack.Length)
        {
            Array.Resize(ref _free[sizeClass], count * 2);
            stack = _free[sizeClass];
        }

        stack[count] = buffer;
        _freeCount[sizeClass] = count + 1;
    }

    private static int ClassLength(int sizeClass) => (1 << (SmallestClassShift + sizeClass)) + Headroom;

    private static int ClassFor(int length)
    {
        int payload = Math.Max(length - Headroom, 1 << SmallestClassShift);
        int sizeClass = BitOperations.Log2((uint)(payload - 1)) + 1 - SmallestClassShift;
        return sizeClass < ClassCount ? sizeClass : -1;
    }
}
