using System.Runtime.CompilerServices;

namespace Reassembly.Core;

/// <summary>
/// Under <see cref="OverlapPolicy.LinuxModern"/>: the fragments a queue accepted, in arrival order, each with the
/// frame it came in, so that an overlap report can name the frame it collides with.
/// </summary>
/// <remarks>
/// <para>Why not <see cref="HeldSegmentList"/>: Linux's runs refuse every overlap before a fragment is logged, so the
/// logged ranges are disjoint by construction and nothing needs them sorted on the hot path. Appending is one store;
/// the only reader (<see cref="FragmentQueue"/>'s overlap description, for fragments about to be refused) scans the
/// whole log, which the per-queue fragment limit bounds.</para>
/// <para>Invariants: entries are non-empty and pairwise disjoint; their lengths sum to the queue's received bytes.
/// The array grows by doubling and is kept across datagrams, so the steady state allocates nothing.</para>
/// </remarks>
internal struct FragmentArrivalLog
{
    private HeldSegment[] _entries;
    private int _count;

    public FragmentArrivalLog(int initialCapacity)
    {
        _entries = new HeldSegment[initialCapacity];
        _count = 0;
    }

    public readonly int Count => _count;

    public readonly HeldSegment this[int index] => _entries[index];

    public void Clear() => _count = 0;

    /// <summary>Logs a fragment that overlaps nothing logged (Linux's runs have refused every overlap).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Append(int start, int end, long frameIndex)
    {
        HeldSegment[] entries = _entries;
        int count = _count;
        if ((uint)count >= (uint)entries.Length)
        {
            Grow();
            entries = _entries;
        }

        entries[count] = new HeldSegment { Start = start, End = end, FrameIndex = frameIndex };
        _count = count + 1;
    }

    private void Grow() => Array.Resize(ref _entries, _entries.Length * 2);
}
