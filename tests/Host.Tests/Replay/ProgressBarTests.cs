using Microsoft.Extensions.Time.Testing;
using Reassembly.Host.Replay.Progress;
using Reassembly.Host.Tests.Helpers;

namespace Reassembly.Host.Tests.Replay;

public sealed class ProgressBarTests
{
    [Fact]
    public void Render_fills_the_bar_in_proportion_to_the_bytes_read_and_shows_sizes_frames_and_rate()
    {
        var progress = new ProgressSnapshot(BytesRead: 5 * 1024 * 1024, TotalBytes: 20 * 1024 * 1024, Frames: 123_456, Elapsed: TimeSpan.FromSeconds(2));

        string line = ProgressBar.Render(progress, 100);

        Assert.Equal(99, line.Length);
        string text = "  25.0%  5.0/20.0 MiB  123,456 frames  61.7k frames/s";
        int barWidth = 99 - 2 - text.Length;
        Assert.Equal("[" + new string('#', barWidth / 4) + new string('-', barWidth - (barWidth / 4)) + "]" + text, line);
    }

    [Theory]
    [InlineData(0, 100, "   0.0%")]
    [InlineData(100, 100, " 100.0%")]
    [InlineData(150, 100, " 100.0%")]
    [InlineData(10, 0, "   0.0%")]
    public void Render_clamps_the_fraction_and_draws_nothing_filled_when_the_size_is_unknown(long read, long total, string percent)
    {
        string line = ProgressBar.Render(new ProgressSnapshot(read, total, 1, TimeSpan.FromSeconds(1)), 80);

        Assert.Contains(percent, line, StringComparison.Ordinal);
        int hashes = line.Count(c => c == '#');
        Assert.Equal(total > 0 && read >= total ? line.IndexOf(']', StringComparison.Ordinal) - 1 : 0, hashes);
        Assert.Equal(79, line.Length);
    }

    [Fact]
    public void Render_on_a_narrow_terminal_drops_the_bar_and_never_exceeds_the_width()
    {
        string line = ProgressBar.Render(new ProgressSnapshot(1, 2, 10_000_000, TimeSpan.FromSeconds(3)), 40);

        Assert.Equal(39, line.Length);
        Assert.DoesNotContain('[', line);
        Assert.StartsWith("  50.0%", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_shows_no_rate_before_any_time_has_passed()
    {
        Assert.Contains(" - frames/s", ProgressBar.Render(new ProgressSnapshot(0, 10, 0, TimeSpan.Zero), 120), StringComparison.Ordinal);
        Assert.Contains("3.00M frames/s", ProgressBar.Render(new ProgressSnapshot(0, 10, 3_000_000, TimeSpan.FromSeconds(1)), 120), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, false, true)]
    [InlineData(true, false, false)]
    [InlineData(false, true, false)]
    [InlineData(true, true, false)]
    public void The_bar_is_shown_only_on_a_terminal_and_without_quiet(bool quiet, bool errorRedirected, bool shown)
    {
        Assert.Equal(shown, ReplayProgressReporter.ShouldShow(quiet, errorRedirected));
    }

    [Fact]
    public void The_reporter_draws_after_its_delay_at_most_ten_times_a_second_and_wipes_the_line_when_disposed()
    {
        var time = new FakeTimeProvider();
        var errors = new StringWriter();
        long frames = 0;
        var reporter = ReplayProgressReporter.Start(errors, elapsed => new ProgressSnapshot(frames * 100, 100_000, frames, elapsed), time, 60);

        frames = 10;
        time.Advance(ReplayProgressReporter.FirstDrawDelay - TimeSpan.FromMilliseconds(1));
        Assert.Equal(string.Empty, errors.ToString());

        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal("\r" + ProgressBar.Render(new ProgressSnapshot(1_000, 100_000, 10, ReplayProgressReporter.FirstDrawDelay), 60), errors.ToString());

        for (int step = 0; step < 100; step++)
        {
            frames++;
            time.Advance(TimeSpan.FromMilliseconds(10));
        }

        // One second in 10 ms steps: ten redraws, not a hundred.
        Assert.Equal(11, errors.ToString().Count(c => c == '\r'));

        reporter.Dispose();
        string written = errors.ToString();
        Assert.EndsWith("\r" + new string(' ', 59) + "\r", written, StringComparison.Ordinal);
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(written, errors.ToString());
    }

    [Fact]
    public void A_reporter_disposed_before_its_first_draw_writes_nothing()
    {
        var time = new FakeTimeProvider();
        var errors = new StringWriter();
        ReplayProgressReporter.Start(errors, elapsed => new ProgressSnapshot(1, 2, 3, elapsed), time, 80).Dispose();

        time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(string.Empty, errors.ToString());
    }

    [Fact]
    public void A_replay_whose_standard_error_is_redirected_draws_no_progress_bar()
    {
        ProcessRunner.Result result = ProcessRunner.Reassembly("replay", Path.Combine(RepositoryPaths.Pcaps, "sample.pcap"));

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("reassembly: ", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain('\r', result.StandardError);
        Assert.DoesNotContain("frames/s", result.StandardError, StringComparison.Ordinal);
    }
}
