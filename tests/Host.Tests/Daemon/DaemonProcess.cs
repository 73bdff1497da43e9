using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Reassembly.Host.Tests.Helpers;

namespace Reassembly.Host.Tests.Daemon;

/// <summary>
/// <c>reassembly run</c> as a child process (<see cref="RepositoryPaths.HostCommand"/>): its log lines are collected as they come, so a
/// test can wait for one; <see cref="Terminate"/> sends SIGTERM and waits for the exit. Disposing kills it if still running.
/// </summary>
internal sealed partial class DaemonProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly System.Text.StringBuilder _stdout = new();

    public DaemonProcess(params string[] arguments)
    {
        (string program, string[] leading) = RepositoryPaths.HostCommand;
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in leading)
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add("run");
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start the daemon");
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                _lines.Enqueue(e.Data);
            }
        };
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stdout)
                {
                    _stdout.AppendLine(e.Data);
                }
            }
        };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    /// <summary>Everything logged so far.</summary>
    public string Log => string.Join('\n', _lines);

    /// <summary>Waits (bounded) for a log line containing <paramref name="text"/>; fails the test with the log if none comes.</summary>
    public void WaitForLine(string text, TimeSpan timeout) => WaitFor(line => line.Contains(text, StringComparison.Ordinal), text, timeout);

    /// <summary>Waits (bounded) for a log line matching <paramref name="predicate"/>.</summary>
    public void WaitFor(Func<string, bool> predicate, string what, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (_lines.Any(predicate))
            {
                return;
            }

            if (_process.HasExited)
            {
                _process.WaitForExit();
                Assert.Fail($"the daemon exited ({_process.ExitCode}) before logging '{what}':\n{Log}");
            }

            Thread.Sleep(50);
        }

        Assert.Fail($"the daemon did not log '{what}' within {timeout.TotalSeconds} s:\n{Log}");
    }

    /// <summary>Sends SIGTERM and waits (bounded) for the exit; returns the exit code.</summary>
    public int Terminate(TimeSpan timeout)
    {
        Assert.Equal(0, Kill(_process.Id, Sigterm));
        Assert.True(_process.WaitForExit(timeout), $"the daemon did not exit within {timeout.TotalSeconds} s of SIGTERM:\n{Log}");
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }

    private const int Sigterm = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
