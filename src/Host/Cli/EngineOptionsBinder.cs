using System.CommandLine;

namespace Reassembly.Host.Cli;

/// <summary>The engine settings shared by every command that runs the engine.</summary>
internal sealed class EngineOptionsBinder
{
    public Option<double> Ipv4Timeout { get; } = new("--ipv4-timeout")
    {
        Description = "Seconds of packet time an incomplete IPv4 datagram is kept (Linux net.ipv4.ipfrag_time).",
        DefaultValueFactory = _ => 30,
    };

    public Option<double> Ipv6Timeout { get; } = new("--ipv6-timeout")
    {
        Description = "Seconds of packet time an incomplete IPv6 datagram is kept (RFC 8200, Linux net.ipv6.ip6frag_time).",
        DefaultValueFactory = _ => 60,
    };

    public EngineOptionsBinder()
    {
        Ipv4Timeout.Validators.Add(result => RequirePositive(result, Ipv4Timeout));
        Ipv6Timeout.Validators.Add(result => RequirePositive(result, Ipv6Timeout));
    }

    public void AddTo(Command command)
    {
        command.Options.Add(Ipv4Timeout);
        command.Options.Add(Ipv6Timeout);
    }

    public ReassemblyOptions Bind(ParseResult parseResult) => new()
    {
        Ipv4Timeout = TimeSpan.FromSeconds(parseResult.GetValue(Ipv4Timeout)),
        Ipv6Timeout = TimeSpan.FromSeconds(parseResult.GetValue(Ipv6Timeout)),
    };

    private static void RequirePositive(System.CommandLine.Parsing.OptionResult result, Option<double> option)
    {
        double value = result.GetValueOrDefault<double>();
        if (!(value > 0) || double.IsInfinity(value) || value > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            result.AddError($"{option.Name} must be a positive number of seconds.");
        }
    }
}
