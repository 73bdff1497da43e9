using System.Globalization;
using Reassembly.Capture;
using Reassembly.Capture.Live;
using Reassembly.Host.Cli;
using Reassembly.Host.Policies;
using Reassembly.Memory;

namespace Reassembly.Host.Daemon;

/// <summary>
/// <see cref="DaemonOptions"/> turned into what the daemon's parts take: the engine's options, the capture's, the
/// shard. Every check lives here, so that start-up (<see cref="DaemonOptionsValidator"/>) and a reload reject exactly
/// the same settings, each with a one-line reason naming the setting.
/// </summary>
internal sealed class DaemonSettings
{
    private DaemonSettings(DaemonOptions options, ReassemblyOptions engine, int shardIndex, int shardCount)
    {
        Options = options;
        Engine = engine;
        ShardIndex = shardIndex;
        ShardCount = shardCount;
    }

    public DaemonOptions Options { get; }

    /// <summary>The engine's options, without a sink (the daemon adds its events writer).</summary>
    public ReassemblyOptions Engine { get; }

    public int ShardIndex { get; }

    public int ShardCount { get; }

    public CaptureFormat OutputFormat => Options.OutputFormat == "pcap" ? CaptureFormat.Pcap : CaptureFormat.PcapNg;

    public LiveCaptureOptions Capture => new()
    {
        Interfaces = Options.Interfaces,
        Filter = Options.Filter,
        Promiscuous = Options.Promiscuous,
        SnapLength = Options.SnapLength,
        BufferSize = Options.BufferSize,
        QueueCapacity = Options.QueueCapacity,
    };

    /// <summary>Checks and converts; on failure, <paramref name="errors"/> holds one line per bad setting.</summary>
    public static DaemonSettings? TryCreate(DaemonOptions options, List<string> errors)
    {
        var invariant = CultureInfo.InvariantCulture;
        if (options.Interfaces.Count == 0)
        {
            errors.Add("Interfaces: give at least one interface to capture from (--interface IFACE)");
        }

        foreach (string name in options.Interfaces)
        {
            if (string.IsNullOrWhiteSpace(name))
            {
                errors.Add("Interfaces: an interface name is empty");
            }
        }

        if (options.SnapLength is < 64 or > 262144)
        {
            errors.Add(string.Create(invariant, $"SnapLength: {options.SnapLength} is not between 64 and 262144"));
        }

        if (options.BufferSize is { } buffer && buffer < 65536)
        {
            errors.Add(string.Create(invariant, $"BufferSize: {buffer} bytes is below 65536"));
        }

        if (options.QueueCapacity is < 16 or > 1_048_576)
        {
            errors.Add(string.Create(invariant, $"QueueCapacity: {options.QueueCapacity} is not between 16 and 1048576"));
        }

        if (options.OutputFormat is not ("pcap" or "pcapng"))
        {
            errors.Add($"OutputFormat: '{options.OutputFormat}' is not pcap or pcapng");
        }

        if (options.RotateSize < 0 || (options.RotateSize > 0 && options.RotateSize < 65536))
        {
            errors.Add(string.Create(invariant, $"RotateSize: {options.RotateSize} bytes: give 0 (never) or at least 65536"));
        }

        RequireSeconds(errors, "RotateSeconds", options.RotateSeconds, allowZero: true);
        RequireSeconds(errors, "StatsInterval", options.StatsInterval, allowZero: true);
        if ((options.RotateSize > 0 || options.RotateSeconds > 0) && options.Output is null)
        {
            errors.Add("RotateSize/RotateSeconds: rotation needs an output file (--output)");
        }

        if (options.Output is not null && (options.Output == "-" || string.IsNullOrWhiteSpace(options.Output)))
        {
            errors.Add("Output: give a file path (a rotated capture cannot go to standard output)");
        }

        int shardIndex = 0, shardCount = 1;
        if (options.Shard is { } shard && !ShardSpec.TryParse(shard, out shardIndex, out shardCount))
        {
            errors.Add($"Shard: '{shard}': expected K/N with 0 <= K < N <= 1024, e.g. 0/4");
        }

        if (options.Inject is { } inject && string.IsNullOrWhiteSpace(inject))
        {
            errors.Add("Inject: the interface name is empty");
        }

        ReassemblyOptions? engine = TryCreateEngineOptions(options, errors);
        return errors.Count == 0 && engine is not null ? new DaemonSettings(options, engine, shardIndex, shardCount) : null;
    }

    /// <summary>The engine knobs alone: what a reload re-reads (the policy map file included).</summary>
    public static ReassemblyOptions? TryCreateEngineOptions(DaemonOptions options, List<string> errors, IAnomalySink? sink = null, TimeProvider? time = null)
    {
        int before = errors.Count;
        RequireSeconds(errors, "Ipv4Timeout", options.Ipv4Timeout, allowZero: false);
        RequireSeconds(errors, "Ipv6Timeout", options.Ipv6Timeout, allowZero: false);
        RequireSeconds(errors, "LowpanTimeout", options.LowpanTimeout, allowZero: false);
        var lowpanContexts = new Dictionary<int, System.Net.IPNetwork>();
        foreach (string entry in options.LowpanContexts)
        {
            if (LowpanContextOption.TryParse(entry, out int id, out System.Net.IPNetwork prefix, out string? error))
            {
                lowpanContexts[id] = prefix;
            }
            else
            {
                errors.Add($"LowpanContexts: '{entry}': {error}");
            }
        }

        long memoryHigh = RequireByteSize(errors, "MemoryHigh", options.MemoryHigh);
        long memoryLow = RequireByteSize(errors, "MemoryLow", options.MemoryLow);
        long memoryGlobal = RequireByteSize(errors, "MemoryGlobal", options.MemoryGlobal);
        if (memoryHigh >= 0 && memoryLow > memoryHigh)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"MemoryLow: {memoryLow} bytes must not exceed MemoryHigh ({memoryHigh} bytes)"));
        }

        if (options.MemoryMode is not ("evict" or "refuse"))
        {
            errors.Add($"MemoryMode: '{options.MemoryMode}' is not evict or refuse");
        }

        if (options.Ipv4MaxDistance < 0)
        {
            errors.Add("Ipv4MaxDistance: must be 0 (off) or positive");
        }

        if (options.Threads is < 1 or > 256)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"Threads: {options.Threads} is not between 1 and 256"));
        }


        NamespaceSelector selector = NamespaceSelector.None;
        switch (options.NamespaceBy)
        {
            case "none":
                break;
            case "vlan":
                selector = NamespaceSelector.Vlan;
                break;
            case "interface":
                selector = NamespaceSelector.Interface;
                break;
            case "vlan+interface":
                selector = NamespaceSelector.VlanAndInterface;
                break;
            default:
                errors.Add($"NamespaceBy: '{options.NamespaceBy}' is not none, vlan, interface or vlan+interface");
                break;
        }

        string policyNames = string.Join(", ", OverlapPolicyNames.All);
        if (!OverlapPolicyNames.TryParse(options.Policy, out OverlapPolicy policy))
        {
            errors.Add($"Policy: '{options.Policy}' is not one of {policyNames}");
        }

        OverlapPolicy? ipv6Policy = null;
        if (options.Ipv6Policy is { } ipv6Name)
        {
            if (OverlapPolicyNames.TryParse(ipv6Name, out OverlapPolicy parsed))
            {
                ipv6Policy = parsed;
            }
            else
            {
                errors.Add($"Ipv6Policy: '{ipv6Name}' is not one of {policyNames}");
            }
        }

        var routes = new List<OverlapPolicyRoute>();
        try
        {
            if (options.PolicyMap is { } map)
            {
                routes.AddRange(PolicyMapFile.Read(Path.GetFullPath(map)));
            }

            routes.AddRange(PolicyMapFile.Parse(options.PolicyRoutes, "PolicyRoutes entry"));
        }
        catch (FormatException e)
        {
            errors.Add($"PolicyMap/PolicyRoutes: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add($"PolicyMap: {options.PolicyMap}: {e.Message}");
        }

        var namespacePolicies = new Dictionary<string, OverlapPolicy>(StringComparer.Ordinal);
        foreach (string entry in options.NamespacePolicies)
        {
            int split = entry.LastIndexOf('=');
            if (split <= 0 || !OverlapPolicyNames.TryParse(entry[(split + 1)..], out OverlapPolicy nsPolicy))
            {
                errors.Add($"NamespacePolicies: '{entry}': expected NAMESPACE=POLICY with a policy among {policyNames}");
                continue;
            }

            namespacePolicies[entry[..split]] = nsPolicy;
        }

        // Start-up and every reload go through this method, and UpdateSettings publishes the memory limits with the rest.
        if (errors.Count != before)
        {
            return null;
        }

        return new ReassemblyOptions
        {
            TimeProvider = time,
            Ipv4Timeout = TimeSpan.FromSeconds(options.Ipv4Timeout),
            Ipv6Timeout = TimeSpan.FromSeconds(options.Ipv6Timeout),
            LowpanTimeout = TimeSpan.FromSeconds(options.LowpanTimeout),
            LowpanContexts = lowpanContexts,
            MemoryHighThresholdBytes = memoryHigh,
            MemoryLowThresholdBytes = memoryLow,
            MemoryGlobalLimitBytes = memoryGlobal,
            MemoryMode = options.MemoryMode == "refuse" ? MemoryPressureMode.Refuse : MemoryPressureMode.Evict,
            Ipv4MaxDistance = options.Ipv4MaxDistance,
            NamespaceBy = selector,
            Workers = options.Threads,
            OverlapPolicy = policy,
            Ipv6OverlapPolicy = ipv6Policy,
            PolicyRoutes = routes,
            NamespacePolicies = namespacePolicies,
            AnomalySink = sink,
        };
    }

    private static long RequireByteSize(List<string> errors, string name, string text)
    {
        if (ByteSize.TryParse(text, out long bytes))
        {
            return bytes;
        }

        errors.Add($"{name}: '{text}' is not a byte count (digits, optionally with a K, M or G suffix)");
        return -1;
    }

    private static void RequireSeconds(List<string> errors, string name, double value, bool allowZero)
    {
        bool ok = (allowZero ? value >= 0 : value > 0) && !double.IsInfinity(value) && value <= TimeSpan.MaxValue.TotalSeconds / 2;
        if (!ok)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{name}: {value} is not a {(allowZero ? "non-negative" : "positive")} number of seconds"));
        }
    }
}
