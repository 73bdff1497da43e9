using System.Globalization;
using System.Text;

namespace Reassembly.Host.Replay.Progress;

/// <summary>Draws a replay's progress as one terminal line: a pure function of a <see cref="ProgressSnapshot"/>.</summary>
internal static class ProgressBar
{
    private const int MinimumBarWidth = 10;

    /// <summary>
    /// The line for <paramref name="progress"/>, exactly <paramref name="width"/> - 1 characters (padded with spaces, so
    /// that it overwrites a longer previous line after a carriage return, and never wraps):
    /// <c>[#########-----------]  45.0%  12.3/27.3 MiB  1,234,567 frames  456.7k frames/s</c>.
    /// </summary>
    /// <param name="progress">What to draw.</param>
    /// <param name="width">The terminal's width in columns (at least 20).</param>
    public static string Render(ProgressSnapshot progress, int width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 20);
        double fraction = progress.TotalBytes > 0 ? Math.Clamp((double)progress.BytesRead / progress.TotalBytes, 0, 1) : 0;
        double seconds = progress.Elapsed.TotalSeconds;
        string rate = seconds > 0 ? Scaled(progress.Frames / seconds) : "-";
        string text = string.Create(
            CultureInfo.InvariantCulture,
            $" {fraction * 100,5:F1}%  {Mebibytes(progress.BytesRead)}/{Mebibytes(progress.TotalBytes)} MiB  {progress.Frames:N0} frames  {rate} frames/s");

        var line = new StringBuilder(width);
        int barWidth = width - 1 - 2 - text.Length;
        if (barWidth >= MinimumBarWidth)
        {
            int filled = (int)(fraction * barWidth);
            line.Append('[').Append('#', filled).Append('-', barWidth - filled).Append(']');
        }

        line.Append(text);
        if (line.Length > width - 1)
        {
            line.Length = width - 1;
        }

        return line.Append(' ', width - 1 - line.Length).ToString();
    }

    private static string Mebibytes(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("F1", CultureInfo.InvariantCulture);

    private static string Scaled(double perSecond) => perSecond switch
    {
        >= 1e6 => string.Create(CultureInfo.InvariantCulture, $"{perSecond / 1e6:F2}M"),
        >= 1e3 => string.Create(CultureInfo.InvariantCulture, $"{perSecond / 1e3:F1}k"),
        _ => perSecond.ToString("F0", CultureInfo.InvariantCulture),
    };
}
