using System.Diagnostics;

namespace Reassembly.Host.Tests.Helpers;

/// <summary>Runs a program to completion with a time limit and returns what it printed.</summary>
internal static class ProcessRunner
{
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError);

    public static Result Run(string fileName, IEnumerable<string> arguments, int timeoutSeconds = 300, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + fileName);
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish in {timeoutSeconds} s");
        }

        process.WaitForExit();
        return new Result(process.ExitCode, output.Result, error.Result);
    }

    /// <summary>Runs the real <c>reassembly</c> command line (<see cref="RepositoryPaths.HostCommand"/>) as its own process.</summary>
    public static Result Reassembly(params string[] arguments) => Reassembly(arguments, environment: null);

    /// <summary>Runs the real <c>reassembly</c> command line with extra environment variables.</summary>
    public static Result Reassembly(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment)
    {
        (string program, string[] leading) = RepositoryPaths.HostCommand;
        return Run(program, [.. leading, .. arguments], environment: environment);
    }

    /// <summary>Finds a program on PATH, or null.</summary>
    public static string? Which(string program)
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':'))
        {
            string candidate = Path.Combine(directory, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
