using System.Runtime.InteropServices;

namespace Reassembly.Concurrency;

/// <summary>
/// A counter alone on its cache line (64 bytes of padding on each side, which also covers the adjacent-line
/// prefetcher's 128-byte pairs on x86), so that writes to its neighbours never invalidate the line readers poll.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 2 * CacheLineBytes)]
internal struct CacheLinePadded
{
    /// <summary>The size of a cache line on the x64 and Arm64 parts we run on.</summary>
    public const int CacheLineBytes = 64;

    /// <summary>The value; touch it only through <see cref="System.Threading.Volatile"/> or <see cref="System.Threading.Interlocked"/>.</summary>
    [FieldOffset(CacheLineBytes)]
    public long Value;

    /// <summary>
    /// A second word on the same line, for data written only by the thread that owns <see cref="Value"/> (its nesting
    /// depth, for an epoch slot), so that one thread's hot stores stay on one line.
    /// </summary>
    [FieldOffset(CacheLineBytes + sizeof(long))]
    public int OwnerWord;
}
