using System.Runtime.InteropServices;

namespace Reassembly.Concurrency;

/// <summary>
/// A counter alone on its cache line, so that writes to its neighbours never invalidate the line readers poll: it sits
/// at offset 64 of 128 bytes, and since objects are at least 8-byte aligned, the 64-byte line that holds it starts at
/// offset 8 or later and ends at offset 128 or earlier, inside the padding.
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
    /// A second word, for data written only by the thread that owns <see cref="Value"/> (its nesting depth, for an epoch
    /// slot), so that one thread's hot stores stay on one line. It shares <see cref="Value"/>'s line unless
    /// <see cref="Value"/> ends a line; then it starts the next, which may reach 8 bytes past the struct.
    /// </summary>
    [FieldOffset(CacheLineBytes + sizeof(long))]
    public int OwnerWord;
}
