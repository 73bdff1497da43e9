using System.CommandLine;
using Reassembly.Host.Cli;

namespace Reassembly.Host;

/// <summary>The <c>reassembly</c> command line: the composition root, kept thin.</summary>
internal static class Program
{
    public static Task<int> Main(string[] args)
    {
        var root = new RootCommand("Reassembly: user-space IPv4/IPv6 fragment reassembly, with today's Linux rules.")
        {
            ReplayCommand.Create(),
            RunCommand.Create(),
            BenchCommand.Create(),
        };
        // No termination handling by System.CommandLine: its SIGTERM handler ends the process with 143 when the action
        // is slow to stop. `run` handles SIGINT and SIGTERM itself (drain, flush, exit 0); replay reads to the end.
        return root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }
}
