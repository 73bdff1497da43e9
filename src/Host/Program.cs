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
        // `run` handles SIGINT and SIGTERM itself (drain, flush, exit 0): System.CommandLine's handler would end the
        // process with 143 while the daemon drains. The other commands keep it (replay reports the interruption).
        ParseResult parsed = root.Parse(args);
        InvocationConfiguration invocation = parsed.CommandResult.Command.Name == "run"
            ? new InvocationConfiguration { ProcessTerminationTimeout = null }
            : new InvocationConfiguration();
        return parsed.InvokeAsync(invocation);
    }
}
