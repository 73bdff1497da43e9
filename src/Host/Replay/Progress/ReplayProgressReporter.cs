namespace Reassembly.Host.Replay.Progress;

/// <summary>
/// Redraws a replay's <see cref="ProgressBar"/> on standard error from a timer, at most ten times a second and never
/// per frame, and wipes it when the replay ends, so the summary that follows starts on a clean line.
/// </summary>
/// <remarks>
/// Shown only on a terminal and without <c>-q</c> (<see cref="ShouldShow"/>): redirected output (a log, a pipe, a test)
/// must not fill up with carriage returns. The first draw waits <see cref="FirstDrawDelay"/>, so a short replay never
/// shows a bar. The timer callback and <see cref="Dispose"/> take <see cref="_gate"/>, so no draw can land after the
/// wipe, and the reading thread is never involved: it only advances the counters the snapshot reads.
/// </remarks>
internal sealed class ReplayProgressReporter : IDisposable
{
    /// <summary>How long a replay runs before its bar first appears.</summary>
    public static readonly TimeSpan FirstDrawDelay = TimeSpan.FromMilliseconds(500);

    /// <summary>How often the bar is redrawn (ten times a second).</summary>
    public static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(100);

    private readonly Lock _gate = new();
    private readonly TextWriter _errors;
    private readonly Func<TimeSpan, ProgressSnapshot> _sample;
    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly int _width;
    private readonly ITimer _timer;
    private bool _drawn;
    private bool _stopped;

    private ReplayProgressReporter(TextWriter errors, Func<TimeSpan, ProgressSnapshot> sample, TimeProvider time, int width)
    {
        _errors = errors;
        _sample = sample;
        _time = time;
        _width = width;
        _started = time.GetTimestamp();
        _timer = time.CreateTimer(static state => ((ReplayProgressReporter)state!).Draw(), this, FirstDrawDelay, RedrawInterval);
    }

    /// <summary>Whether a replay shows a bar: not with <c>-q</c>, and only when standard error is a terminal.</summary>
    /// <param name="quiet">The <c>-q</c> option.</param>
    /// <param name="errorRedirected"><see cref="Console.IsErrorRedirected"/>.</param>
    public static bool ShouldShow(bool quiet, bool errorRedirected) => !quiet && !errorRedirected;

    /// <summary>Starts drawing; the caller disposes the reporter when reading ends.</summary>
    /// <param name="errors">Where to draw (standard error).</param>
    /// <param name="sample">The progress so far, given the time elapsed; called on the timer's thread.</param>
    /// <param name="time">The clock (a fake one in tests).</param>
    /// <param name="width">The terminal's width in columns.</param>
    public static ReplayProgressReporter Start(TextWriter errors, Func<TimeSpan, ProgressSnapshot> sample, TimeProvider time, int width) =>
        new(errors, sample, time, Math.Clamp(width, 20, 200));

    /// <summary>The terminal's width, or 80 when it cannot be told.</summary>
    public static int TerminalWidth()
    {
        try
        {
            int width = Console.WindowWidth;
            return width > 0 ? width : 80;
        }
        catch (Exception e) when (e is IOException or PlatformNotSupportedException or InvalidOperationException)
        {
            return 80;
        }
    }

    /// <summary>Stops the timer and wipes the bar, if it was drawn.</summary>
    public void Dispose()
    {
        _timer.Dispose();
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            if (_drawn)
            {
                _errors.Write('\r');
                _errors.Write(new string(' ', _width - 1));
                _errors.Write('\r');
                _errors.Flush();
            }
        }
    }

    private void Draw()
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            string line = ProgressBar.Render(_sample(_time.GetElapsedTime(_started)), _width);
            _errors.Write('\r');
            _errors.Write(line);
            _errors.Flush();
            _drawn = true;
        }
    }
}
