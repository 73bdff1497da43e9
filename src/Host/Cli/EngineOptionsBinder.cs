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

    public Option<string> NamespaceBy { get; } = new("--namespace-by")
    {
        Description = "How frames are split into reassembly namespaces, which never mix fragments even when addresses and IDs are equal: "
            + "none (one namespace; fragments are still keyed on their VLAN tags), vlan (one per outer VLAN ID), interface (one per capture interface), vlan+interface. "
            + "Statistics are given per namespace.",
        DefaultValueFactory = _ => "none",
    };

    public Option<int> Threads { get; } = new("--threads")
    {
        Description = "Worker threads that reassemble at once (frames are steered to workers by source address). The output is the same for every value.",
        DefaultValueFactory = _ => 1,
    };

    public EngineOptionsBinder()
    {
        NamespaceBy.AcceptOnlyFromAmong("none", "vlan", "interface", "vlan+interface");
        Threads.Validators.Add(result =>
        {
            int value = result.GetValueOrDefault<int>();
            if (value is < 1 or > 256)
            {
                result.AddError("--threads must be between 1 and 256.");
            }
        });
        Ipv4Timeout.Validators.Add(result => RequirePositive(result, Ipv4Timeout));
        Ipv6Timeout.Validators.Add(result => RequirePositive(result, Ipv6Timeout));
    }

    public void AddTo(Command command)
    {
        command.Options.Add(Ipv4Timeout);
        command.Options.Add(Ipv6Timeout);
        command.Options.Add(NamespaceBy);
        command.Options.Add(Threads);
    }

    public ReassemblyOptions Bind(ParseResult parseResult) => new()
    {
        Ipv4Timeout = TimeSpan.FromSeconds(parseResult.GetValue(Ipv4Timeout)),
        Ipv6Timeout = TimeSpan.FromSeconds(parseResult.GetValue(Ipv6Timeout)),
        NamespaceBy = parseResult.GetValue(NamespaceBy) switch
        {
            "vlan" => NamespaceSelector.Vlan,
            "interface" => NamespaceSelector.Interface,
            "vlan+interface" => NamespaceSelector.VlanAndInterface,
            _ => NamespaceSelector.None,
        },
        Workers = parseResult.GetValue(Threads),
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
