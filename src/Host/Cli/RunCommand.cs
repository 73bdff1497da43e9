using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Reassembly.Host.Daemon;

namespace Reassembly.Host.Cli;

/// <summary><c>reassembly run</c>: the daemon on live interfaces.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo?>("--config")
        {
            Description = "The configuration file (JSON; keys are the option names in PascalCase at the root, e.g. {\"Interfaces\": [\"eth0\"], \"Policy\": \"windows\", "
                + "\"PolicyRoutes\": [\"10.0.0.0/8 bsd\"]}). Defaults to appsettings.json in the working directory, if there is one. It is watched: a change to "
                + "the policies (Policy, Ipv6Policy, PolicyMap, PolicyRoutes, NamespacePolicies) or the timeouts applies to datagrams that start after it, "
                + "while capture runs; other settings are read at start-up. Environment variables REASSEMBLY_<KEY> (REASSEMBLY_INTERFACES__0=eth0) "
                + "override the file, and the command line overrides both.",
        };
        var interfaces = new Option<string[]>("--interface", "-i")
        {
            Description = "An interface to capture from (libpcap name, e.g. eth0); repeat for more (configuration key Interfaces).",
            Arity = ArgumentArity.ZeroOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        var filter = new Option<string?>("--filter", "-f")
        {
            Description = "A BPF capture filter, tcpdump syntax (Filter). It must keep every fragment of what it keeps: filter on addresses, not ports.",
        };
        var noPromiscuous = new Option<bool>("--no-promiscuous")
        {
            Description = "Do not put the interfaces in promiscuous mode (Promiscuous: false). By default they are.",
        };
        var snapLength = new Option<int?>("--snaplen", "-s")
        {
            Description = "Bytes kept of each frame, 64 to 262144 (SnapLength). Defaults to 65535; a cut fragment cannot be reassembled.",
        };
        var bufferSize = new Option<int?>("--buffer-size")
        {
            Description = "The kernel capture buffer in bytes, at least 65536 (BufferSize). Defaults to libpcap's (2 MiB); larger absorbs longer bursts.",
        };
        var queueCapacity = new Option<int?>("--queue-capacity")
        {
            Description = "Frames that may wait between capture and reassembly, 16 to 1048576 (QueueCapacity). Defaults to 4096; past it frames are dropped and counted (QueueDropped).",
        };
        var output = new Option<string?>("--output", "-o")
        {
            Description = "Write reassembled datagrams (and, unless --reassembled-only, every frame that passes through) to this capture file (Output).",
        };
        var outputFormat = new Option<string?>("--output-format")
        {
            Description = "pcap or pcapng (OutputFormat). Defaults to pcapng.",
        };
        outputFormat.AcceptOnlyFromAmong("pcap", "pcapng");
        var rotateSize = new Option<long?>("--rotate-size")
        {
            Description = "Start a new output file when the current one reaches this many bytes, at least 65536 (RotateSize). Rotated files are named STEM-000000.EXT, STEM-000001.EXT, ...",
        };
        var rotateSeconds = new Option<double?>("--rotate-seconds")
        {
            Description = "Start a new output file every this many seconds (RotateSeconds). Combines with --rotate-size: whichever comes first.",
        };
        var reassembledOnly = new Option<bool>("--reassembled-only")
        {
            Description = "Write only the reassembled datagrams (ReassembledOnly).",
        };
        var events = new Option<string?>("--events")
        {
            Description = "Write every anomaly as one JSON object per line to this file, '-' for standard output (Events); the same records as replay --events, frame indexes counting captured frames from 0.",
        };
        var stats = new Option<string?>("--stats")
        {
            Description = "On exit, write the counters as JSON to this file, '-' for standard output (Stats): replay's document, with libpcap's counters in \"capture\" "
                + "(Captured, PcapReceived, PcapDropped, PcapInterfaceDropped, QueueDropped, per interface in Interfaces).",
        };
        var statsInterval = new Option<double?>("--stats-interval")
        {
            Description = "Seconds between statistics lines in the log, 0 for none (StatsInterval). Defaults to 10.",
        };
        var shard = new Option<string?>("--shard")
        {
            Description = "Keep only shard K of N, as K/N (Shard): the frames whose IP address pair, hashed the same in both directions, is K modulo N, as replay --shard. "
                + "N daemons given 0/N .. N-1/N on copies of the same traffic reassemble everything exactly once.",
        };
        var inject = new Option<string?>("--inject")
        {
            Description = "Send every reassembled datagram out of this interface (Inject), e.g. to a downstream IDS; datagrams larger than its MTU are counted as InjectFailed.",
        };
        var engine = new EngineOptionsBinder();

        var command = new Command(
            "run",
            "Capture from live interfaces (libpcap) and reassemble continuously, the system clock driving expiry. Runs until SIGINT or SIGTERM, then stops capturing, "
            + "reassembles every frame already captured, expires what is incomplete, flushes every output and writes the statistics. "
            + "Exit codes: 0 stopped cleanly, 1 bad command line, 2 a bad setting or an interface that cannot be captured from (one line says which), 3 an output could not be written.")
        {
            config,
            interfaces,
            filter,
            noPromiscuous,
            snapLength,
            bufferSize,
            queueCapacity,
            output,
            outputFormat,
            rotateSize,
            rotateSeconds,
            reassembledOnly,
            events,
            stats,
            statsInterval,
            shard,
            inject,
        };
        engine.AddTo(command);
        command.SetAction((parseResult, cancellationToken) =>
        {
            var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            AddList(settings, parseResult, interfaces, "Interfaces");
            Add(settings, parseResult, filter, "Filter");
            if (parseResult.GetValue(noPromiscuous))
            {
                settings["Promiscuous"] = "false";
            }

            Add(settings, parseResult, snapLength, "SnapLength");
            Add(settings, parseResult, bufferSize, "BufferSize");
            Add(settings, parseResult, queueCapacity, "QueueCapacity");
            Add(settings, parseResult, output, "Output");
            Add(settings, parseResult, outputFormat, "OutputFormat");
            Add(settings, parseResult, rotateSize, "RotateSize");
            Add(settings, parseResult, rotateSeconds, "RotateSeconds");
            if (parseResult.GetValue(reassembledOnly))
            {
                settings["ReassembledOnly"] = "true";
            }

            Add(settings, parseResult, events, "Events");
            Add(settings, parseResult, stats, "Stats");
            Add(settings, parseResult, statsInterval, "StatsInterval");
            Add(settings, parseResult, shard, "Shard");
            Add(settings, parseResult, inject, "Inject");
            Add(settings, parseResult, engine.Ipv4Timeout, "Ipv4Timeout");
            Add(settings, parseResult, engine.Ipv6Timeout, "Ipv6Timeout");
            Add(settings, parseResult, engine.LowpanTimeout, "LowpanTimeout");
            AddList(settings, parseResult, engine.LowpanContext, "LowpanContexts");
            Add(settings, parseResult, engine.MemoryHigh, "MemoryHigh");
            Add(settings, parseResult, engine.MemoryLow, "MemoryLow");
            Add(settings, parseResult, engine.MemoryGlobal, "MemoryGlobal");
            Add(settings, parseResult, engine.MemoryMode, "MemoryMode");
            Add(settings, parseResult, engine.Ipv4MaxDistance, "Ipv4MaxDistance");
            Add(settings, parseResult, engine.NamespaceBy, "NamespaceBy");
            Add(settings, parseResult, engine.Threads, "Threads");
            Add(settings, parseResult, engine.Policy, "Policy");
            Add(settings, parseResult, engine.Ipv6Policy, "Ipv6Policy");
            if (IsGiven(parseResult, engine.PolicyMap) && parseResult.GetValue(engine.PolicyMap) is { } map)
            {
                settings["PolicyMap"] = map.FullName;
            }

            AddList(settings, parseResult, engine.NamespacePolicy, "NamespacePolicies");
            return DaemonHost.RunAsync(parseResult.GetValue(config)?.FullName, settings, Console.Error, cancellationToken);
        });
        return command;
    }

    // Only what was typed goes into the configuration: a default here would hide the file's and the environment's values.
    private static bool IsGiven(ParseResult parseResult, Option option) => parseResult.GetResult(option) is OptionResult { Implicit: false };

    private static void Add<T>(Dictionary<string, string?> settings, ParseResult parseResult, Option<T> option, string key)
    {
        if (IsGiven(parseResult, option) && parseResult.GetValue(option) is { } value)
        {
            settings[key] = Convert.ToString(value, CultureInfo.InvariantCulture);
        }
    }

    private static void AddList(Dictionary<string, string?> settings, ParseResult parseResult, Option<string[]> option, string key)
    {
        if (!IsGiven(parseResult, option))
        {
            return;
        }

        string[] values = parseResult.GetValue(option) ?? [];
        for (int i = 0; i < values.Length; i++)
        {
            settings[string.Create(CultureInfo.InvariantCulture, $"{key}:{i}")] = values[i];
        }
    }
}
