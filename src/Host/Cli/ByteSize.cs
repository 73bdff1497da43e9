using System.Globalization;

namespace Reassembly.Host.Cli;

/// <summary>Parses byte counts given on the command line: a whole number with an optional K, M or G suffix (powers of 1024).</summary>
internal static class ByteSize
{
    /// <summary>Parses "4194304", "4096K", "4M", "1G" (case-insensitive, an optional trailing B or iB: "4MiB").</summary>
    /// <returns>False for anything else, a negative number, or a value past <see cref="long.MaxValue"/>.</returns>
    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        ReadOnlySpan<char> span = text.AsSpan().Trim();
        if (span.EndsWith("iB", StringComparison.OrdinalIgnoreCase))
        {
            span = span[..^2];
        }
        else if (span.Length > 1 && (span[^1] is 'B' or 'b') && char.IsLetter(span[^2]))
        {
            span = span[..^1];
        }

        long multiplier = 1;
        if (span.Length > 0 && char.IsLetter(span[^1]))
        {
            multiplier = char.ToUpperInvariant(span[^1]) switch
            {
                'K' => 1L << 10,
                'M' => 1L << 20,
                'G' => 1L << 30,
                _ => 0,
            };
            span = span[..^1];
        }

        if (multiplier == 0 || !long.TryParse(span, NumberStyles.None, CultureInfo.InvariantCulture, out long count))
        {
            return false;
        }

        if (count > long.MaxValue / multiplier)
        {
            return false;
        }

        bytes = count * multiplier;
        return true;
    }
}
