using System.Collections.Concurrent;
using System.Diagnostics;

namespace Reassembly.Host.Tests.Daemon;

/// <summary>A helper program run beside the daemon (the inject test's receiver): its output lines collected, bounded waits, killed on dispose.</summary>
internal sealed class DaemonlessProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    public DaemonlessProcess(string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + fileName);
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                _lines.Enqueue(e.Data);
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                _lines.Enqueue(e.Data);
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public void WaitForOutput(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout && !_lines.Any(line => line.Contains(text, StringComparison.Ordinal)))
        {
            Assert.False(_process.HasExited, "the helper exited early: " + string.Join('\n', _lines));
            Thread.Sleep(50);
        }

        Assert.True(_lines.Any(line => line.Contains(text, StringComparison.Ordinal)), $"the helper did not print '{text}': " + string.Join('\n', _lines));
    }

    /// <summary>True if it exited with code 0 within <paramref name="timeout"/>.</summary>
    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout) && _process.ExitCode == 0;

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }
}
