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
            BenchCommand.Create(),
        };
        return root.Parse(args).InvokeAsync();
    }
}
