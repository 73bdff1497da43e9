using System;
using System.Buffers;
using System.Runtime.CompilerServices;

namespace Reassembly.Capture.Internal;

/// <summary>Helpers for reading fixed-size headers out of a possibly multi-segment sequence without allocating.</summary>
internal static class SequenceHelpers
{
    /// <summary>
    /// Returns the first <paramref name="length"/> bytes of <paramref name="source"/> as one span: straight from the first
    /// segment when it holds them all, otherwise copied into <paramref name="scratch"/>. Returns false when
    /// <paramref name="source"/> is shorter than <paramref name="length"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryPeek(in ReadOnlySequence<byte> source, int length, Span<byte> scratch, out ReadOnlySpan<byte> bytes)
    {
        ReadOnlySpan<byte> first = source.FirstSpan;
        if (first.Length >= length)
        {
            bytes = first[..length];
            return true;
        }

        return TryPeekSlow(source, length, scratch, out bytes);
    }

    private static bool TryPeekSlow(in ReadOnlySequence<byte> source, int length, Span<byte> scratch, out ReadOnlySpan<byte> bytes)
    {
        if (source.Length < length)
        {
            bytes = default;
            return false;
        }

        Span<byte> destination = scratch[..length];
        source.Slice(0, length).CopyTo(destination);
        bytes = destination;
        return true;
    }
}
