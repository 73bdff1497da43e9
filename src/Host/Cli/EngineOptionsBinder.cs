using System.CommandLine;
using Reassembly.Host.Policies;
using Reassembly.Memory;

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

    public Option<double> LowpanTimeout { get; } = new("--lowpan-timeout")
    {
        Description = "Seconds of packet time an incomplete 6LoWPAN datagram is kept (RFC 4944: at most 60; Linux 6lowpanfrag_time).",
        DefaultValueFactory = _ => 60,
    };

    public Option<string[]> LowpanContext { get; } = new("--lowpan-context")
    {
        Description = "A 6LoWPAN header compression context (RFC 6282) as ID=PREFIX/LEN, e.g. '0=2001:db8:1::/64' (ids 0-15); repeat it for more. "
            + "Packets that use a context not given are counted as unsupported, never decompressed with a guessed prefix.",
        Arity = ArgumentArity.ZeroOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<int> Ipv4MaxDistance { get; } = new("--ipv4-max-dist")
    {
        Description = "IPv4 IP-ID distance limit (Linux net.ipv4.ipfrag_max_dist): a datagram whose source sent this many other fragments since "
            + "the datagram's last one is emptied before its next fragment is added (its IDs have likely wrapped); 0 turns the rule off.",
        DefaultValueFactory = _ => 64,
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
        Description = "Worker threads that reassemble at once (frames are steered to workers by source address). The output is the same for every value "
            + "as long as no memory limit (--mem-high, --mem-global) is reached; past one, which datagrams are evicted or refused depends on thread timing.",
        DefaultValueFactory = _ => 1,
    };

    public Option<string> Policy { get; } = new("--policy")
    {
        Description = "Overlap policy for IPv4 and IPv6: linux-modern (default: today's Linux, an overlap drops the datagram), or a target policy that "
            + "resolves overlaps as that host would: first, last, bsd, bsd-right, linux (classic Linux 2.x), windows, solaris.",
        DefaultValueFactory = _ => "linux-modern",
    };

    public Option<string?> Ipv6Policy { get; } = new("--ipv6-policy")
    {
        Description = "Overlap policy for IPv6 only, overriding --policy (same names).",
    };

    public Option<FileInfo?> PolicyMap { get; } = new("--policy-map")
    {
        Description = "Per-destination policies: a file of lines 'CIDR POLICY' (e.g. '10.0.0.0/8 windows', '2001:db8::/32 bsd'; a bare address is one host; "
            + "'#' starts a comment). The longest prefix holding a datagram's destination wins over --policy and --ipv6-policy.",
    };

    public Option<string[]> NamespacePolicy { get; } = new("--namespace-policy")
    {
        Description = "The overlap policy of one namespace, as NAMESPACE=POLICY (e.g. 'vlan=100=windows', 'interface=2=bsd'; names as in --stats); "
            + "repeat it for more. It replaces --policy and --ipv6-policy inside that namespace; --policy-map routes still win.",
        Arity = ArgumentArity.ZeroOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<string> MemoryHigh { get; } = new("--mem-high")
    {
        Description = "Fragment memory (truesize bytes: buffers plus bookkeeping) a namespace may hold before it evicts or refuses, "
            + "Linux net.ipv4.ipfrag_high_thresh; a number with an optional K, M or G suffix (powers of 1024).",
        DefaultValueFactory = _ => "4M",
    };

    public Option<string> MemoryLow { get; } = new("--mem-low")
    {
        Description = "What an eviction brings a namespace back down to (Linux ipfrag_low_thresh), at most --mem-high; K, M, G accepted.",
        DefaultValueFactory = _ => "3M",
    };

    public Option<string> MemoryGlobal { get; } = new("--mem-global")
    {
        Description = "Cap on the fragment memory of all namespaces together (Linux has none); K, M, G accepted.",
        DefaultValueFactory = _ => "64M",
    };

    public Option<string> MemoryMode { get; } = new("--mem-mode")
    {
        Description = "At a limit: evict (default: the oldest datagrams go, those of a source over its fair share first, "
            + "until the namespace is under --mem-low) or refuse (today's Linux: fragments that would start a datagram are dropped until expiry frees memory).",
        DefaultValueFactory = _ => "evict",
    };

    public EngineOptionsBinder()
    {
        MemoryHigh.Validators.Add(result => RequireByteSize(result, MemoryHigh));
        MemoryLow.Validators.Add(result => RequireByteSize(result, MemoryLow));
        MemoryGlobal.Validators.Add(result => RequireByteSize(result, MemoryGlobal));
        MemoryMode.AcceptOnlyFromAmong("evict", "refuse");
        NamespacePolicy.Validators.Add(result =>
        {
            foreach (string entry in result.GetValueOrDefault<string[]>() ?? [])
            {
                int split = entry.LastIndexOf('=');
                if (split <= 0 || !OverlapPolicyNames.TryParse(entry[(split + 1)..], out OverlapPolicy policy))
                {
                    result.AddError($"--namespace-policy '{entry}': expected NAMESPACE=POLICY with a policy among {string.Join(", ", OverlapPolicyNames.All)}.");
                    return;
                }

                _namespacePolicies[entry[..split]] = policy;
            }
        });
        LowpanContext.Validators.Add(result =>
        {
            foreach (string entry in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (!LowpanContextOption.TryParse(entry, out int id, out System.Net.IPNetwork prefix, out string? error))
                {
                    result.AddError($"--lowpan-context '{entry}': {error}");
                    return;
                }

                _lowpanContexts[id] = prefix;
            }
        });
        LowpanTimeout.Validators.Add(result => RequirePositive(result, LowpanTimeout));
        NamespaceBy.AcceptOnlyFromAmong("none", "vlan", "interface", "vlan+interface");
        Ipv4MaxDistance.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 0)
            {
                result.AddError("--ipv4-max-dist must be 0 (off) or positive.");
            }
        });
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
        Policy.AcceptOnlyFromAmong([.. OverlapPolicyNames.All]);
        Ipv6Policy.AcceptOnlyFromAmong([.. OverlapPolicyNames.All]);
        PolicyMap.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<FileInfo?>() is not { } file)
            {
                return;
            }

            try
            {
                _routes = PolicyMapFile.Read(file.FullName);
            }
            catch (FormatException e)
            {
                result.AddError(e.Message);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                result.AddError($"{file.FullName}: {e.Message}");
            }
        });
    }

    // Read once, by the --policy-map validator, so that a bad map is a command-line error (exit code 1).
    private List<OverlapPolicyRoute> _routes = [];

    // Filled by the --lowpan-context validator, so that a bad context is a command-line error.
    private readonly Dictionary<int, System.Net.IPNetwork> _lowpanContexts = [];

    // Filled by the --namespace-policy validator, for the same reason.
    private readonly Dictionary<string, OverlapPolicy> _namespacePolicies = new(StringComparer.Ordinal);

    public void AddTo(Command command)
    {
        command.Options.Add(Ipv4Timeout);
        command.Options.Add(Ipv6Timeout);
        command.Options.Add(Ipv4MaxDistance);
        command.Options.Add(NamespaceBy);
        command.Options.Add(Threads);
        command.Options.Add(Policy);
        command.Options.Add(Ipv6Policy);
        command.Options.Add(PolicyMap);
        command.Options.Add(NamespacePolicy);
        command.Options.Add(LowpanTimeout);
        command.Options.Add(LowpanContext);
        command.Options.Add(MemoryHigh);
        command.Options.Add(MemoryLow);
        command.Options.Add(MemoryGlobal);
        command.Options.Add(MemoryMode);
        command.Validators.Add(result =>
        {
            // Each value was checked on its own; here only how they relate.
            if (ByteSize.TryParse(result.GetValue(MemoryHigh), out long high) && ByteSize.TryParse(result.GetValue(MemoryLow), out long low) && low > high)
            {
                result.AddError($"--mem-low ({low} bytes) must not exceed --mem-high ({high} bytes).");
            }
        });
    }

    /// <summary>
    /// The engine settings the command line asks for; <paramref name="anomalySink"/> receives the anomalies, if any, and
    /// <paramref name="workers"/>, when given, replaces --threads as the engine's worker count (bench runs more lanes than threads).
    /// </summary>
    public ReassemblyOptions Bind(ParseResult parseResult, IAnomalySink? anomalySink = null, int? workers = null) => new()
    {
        Ipv4Timeout = TimeSpan.FromSeconds(parseResult.GetValue(Ipv4Timeout)),
        Ipv6Timeout = TimeSpan.FromSeconds(parseResult.GetValue(Ipv6Timeout)),
        LowpanTimeout = TimeSpan.FromSeconds(parseResult.GetValue(LowpanTimeout)),
        LowpanContexts = _lowpanContexts,
        NamespaceBy = parseResult.GetValue(NamespaceBy) switch
        {
            "vlan" => NamespaceSelector.Vlan,
            "interface" => NamespaceSelector.Interface,
            "vlan+interface" => NamespaceSelector.VlanAndInterface,
            _ => NamespaceSelector.None,
        },
        Workers = workers ?? parseResult.GetValue(Threads),
        Ipv4MaxDistance = parseResult.GetValue(Ipv4MaxDistance),
        OverlapPolicy = ParsePolicy(parseResult.GetValue(Policy)),
        Ipv6OverlapPolicy = parseResult.GetValue(Ipv6Policy) is { } ipv6 ? ParsePolicy(ipv6) : null,
        PolicyRoutes = _routes,
        NamespacePolicies = _namespacePolicies,
        AnomalySink = anomalySink,
        MemoryHighThresholdBytes = ParseByteSize(parseResult.GetValue(MemoryHigh)),
        MemoryLowThresholdBytes = ParseByteSize(parseResult.GetValue(MemoryLow)),
        MemoryGlobalLimitBytes = ParseByteSize(parseResult.GetValue(MemoryGlobal)),
        MemoryMode = parseResult.GetValue(MemoryMode) == "refuse" ? MemoryPressureMode.Refuse : MemoryPressureMode.Evict,
    };

    // Checked by the validators, so a failure here is a bug.
    private static long ParseByteSize(string? text) =>
        ByteSize.TryParse(text, out long bytes) ? bytes : throw new InvalidOperationException($"unchecked byte size '{text}'");

    private static void RequireByteSize(System.CommandLine.Parsing.OptionResult result, Option<string> option)
    {
        string? text = result.GetValueOrDefault<string>();
        if (!ByteSize.TryParse(text, out _))
        {
            result.AddError($"{option.Name} '{text}': expected a number of bytes, optionally with a K, M or G suffix (e.g. 4M, 512K, 1G).");
        }
    }

    // The names were checked by AcceptOnlyFromAmong, so a failure here is a bug.
    private static OverlapPolicy ParsePolicy(string? name) =>
        OverlapPolicyNames.TryParse(name, out OverlapPolicy policy) ? policy : throw new InvalidOperationException($"unchecked policy name '{name}'");

    private static void RequirePositive(System.CommandLine.Parsing.OptionResult result, Option<double> option)
    {
        double value = result.GetValueOrDefault<double>();
        if (!(value > 0) || double.IsInfinity(value) || value > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            result.AddError($"{option.Name} must be a positive number of seconds.");
        }
    }
}
