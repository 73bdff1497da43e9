using System.Globalization;

namespace Reassembly.Host.Cli;

/// <summary>The <c>K/N</c> that <c>--shard</c> takes on <c>replay</c> and <c>run</c> (and the daemon's <c>Shard</c> key).</summary>
internal static class ShardSpec
{
    /// <summary>The largest shard count accepted.</summary>
    public const int MaxCount = 1024;

    /// <summary>Parses <c>K/N</c> with 0 &lt;= K &lt; N &lt;= <see cref="MaxCount"/>; on failure the shard is 0/1.</summary>
    public static bool TryParse(string text, out int index, out int count)
    {
        index = 0;
        count = 1;
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        bool parsed = slash > 0
            && int.TryParse(text.AsSpan(0, slash), NumberStyles.None, CultureInfo.InvariantCulture, out index)
            && int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out count)
            && count is >= 1 and <= MaxCount
            && index < count;
        if (!parsed)
        {
            index = 0;
            count = 1;
        }

        return parsed;
    }
}
