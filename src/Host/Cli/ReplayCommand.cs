using System.CommandLine;
using Reassembly.Capture;
using Reassembly.Host.Replay;
using Reassembly.Host.Replay.Parallel;

namespace Reassembly.Host.Cli;

/// <summary><c>reassembly replay</c>: a capture in, the same traffic with every fragmented datagram reassembled out.</summary>
internal static class ReplayCommand
{
    public static Command Create()
    {
        var input = new Argument<FileInfo>("capture")
        {
            Description = "The capture to read: pcap (either byte order, micro- or nanosecond timestamps) or pcapng.",
        };
        var output = new Option<FileInfo?>("--output", "-o")
        {
            Description = "Where to write the reassembled capture. Without it, only the summary and statistics are produced.",
        };
        var outputFormat = new Option<string?>("--output-format")
        {
            Description = "Format of the output: pcap or pcapng. Defaults to the input's format (pcapng when the input has interfaces of several link types).",
        };
        outputFormat.AcceptOnlyFromAmong("pcap", "pcapng");
        var stats = new Option<FileInfo?>("--stats")
        {
            Description = "Write the counters as JSON to this file ('-' for standard output): {\"ipv4\": {...}, \"ipv6\": {...}, \"lowpan\": {...}, \"capture\": {...}, \"namespaces\": {name: {\"ipv4\", \"ipv6\", \"lowpan\"}}, \"anomalies\": {kind: count}}; with --threads above 1 also \"pipeline\", the time of each stage.",
        };
        var reassembledOnly = new Option<bool>("--reassembled-only")
        {
            Description = "Write only the reassembled datagrams, not the packets that pass through unchanged.",
        };
        var cachedOutput = new Option<bool>("--cached-output")
        {
            Description = "Write the output through the page cache. By default full buffers are written with O_DIRECT where the file system allows it, "
                + "which keeps the kernel's copying and write-back off the CPUs that reassemble; use this when the output is read back at once.",
        };
        var events = new Option<FileInfo?>("--events")
        {
            Description = "Write every anomaly as one JSON object per line to this file ('-' for standard output): overlaps (with the frames and "
                + "byte ranges in conflict and whether the bytes differ), teardrop, oversize, tiny first fragments, duplicates, conflicting ends, "
                + "timeouts, IPv6 RFC 7112 and RFC 6946 cases. Frame indexes are 0-based input positions (Wireshark's frame number minus one).",
        };
        var comparePolicies = new Option<bool>("--compare-policies")
        {
            Description = "Also reassemble the capture under every overlap policy at once and report each datagram whose bytes differ between policies "
                + "(which hosts would see what): a summary on standard error, and one 'policy-divergence' record per datagram in --events. "
                + "The output capture still follows --policy.",
        };
        var shard = new Option<string?>("--shard")
        {
            Description = "Keep only shard K of N, as K/N (e.g. 0/4): the frames whose IP address pair, hashed the same in both directions, is K modulo N. "
                + "Every fragment of a datagram has the same pair, so N instances given 0/N .. N-1/N together reassemble everything exactly once "
                + "(frames without an IP address pair belong to shard 0). Applied before reassembly; skipped frames are counted as FramesOutsideShard.",
        };
        shard.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } text && !ShardSpec.TryParse(text, out _, out _))
            {
                result.AddError($"--shard '{text}': expected K/N with 0 <= K < N <= 1024, e.g. 0/4.");
            }
        });
        var quiet = new Option<bool>("--quiet", "-q")
        {
            Description = "No summary and no progress bar on standard error (errors are still reported). The bar is drawn only when standard error is a terminal.",
        };
        var engine = new EngineOptionsBinder();
        engine.Threads.Description = "Workers that reassemble at once, each with its own share of the frames (steered by source address); above 1, a "
            + "reader thread reads, steers and writes, and --worker-threads threads run the workers. The output is the same for every value as long "
            + "as no memory limit (--mem-high, --mem-global) is reached; past one, which datagrams are evicted or refused depends on thread timing.";
        var workerThreads = new Option<int>("--worker-threads")
        {
            Description = "Threads that run the --threads workers beside the reader, which reads, steers and writes; the workers are dealt out to them "
                + "in turn. 0 (the default) means one per worker, but no more than leaves the reader a core of its own (cores - 1, at least 1): on a "
                + "machine with few cores a reader that shares its core is slower than the workers gain. Does not change the output.",
            DefaultValueFactory = _ => 0,
        };
        workerThreads.Validators.Add(result =>
        {
            int value = result.GetValueOrDefault<int>();
            int threads = result.GetValue(engine.Threads);
            if (value != 0 && (value < 1 || value > threads))
            {
                result.AddError($"--worker-threads must be 0 (as the cores allow) or between 1 and --threads ({threads}).");
            }
        });

        var command = new Command(
            "replay",
            "Reassemble every fragmented IPv4 and IPv6 datagram of a capture and write a capture that reads as if the traffic had never been fragmented. "
            + "Non-fragmented packets pass through unchanged, in order; a reassembled datagram is written where its last missing fragment arrived. "
            + "Exit codes: 0 the input was read whole, 1 bad command line, 2 the input was missing, not a capture, corrupt or truncated (what was read is still written), 3 an output could not be written.")
        {
            input,
            output,
            outputFormat,
            stats,
            reassembledOnly,
            cachedOutput,
            shard,
            events,
            comparePolicies,
            quiet,
        };
        engine.AddTo(command);
        command.Options.Add(workerThreads);
        command.SetAction((parseResult, cancellationToken) =>
        {
            string? format = parseResult.GetValue(outputFormat);
            int shardIndex = 0, shardCount = 1;
            if (parseResult.GetValue(shard) is { } shardText)
            {
                ShardSpec.TryParse(shardText, out shardIndex, out shardCount);
            }

            AnomalyJsonLinesWriter? eventsWriter = parseResult.GetValue(events) is { } eventsFile
                ? new AnomalyJsonLinesWriter(eventsFile.Name == "-" ? "-" : eventsFile.FullName)
                : null;

            // Several workers report at once; the ordered sink gives the events file one thread's order.
            OrderedAnomalySink? ordered = eventsWriter is not null && parseResult.GetValue(engine.Threads) > 1 ? new OrderedAnomalySink(eventsWriter) : null;
            var settings = new ReplaySettings
            {
                InputPath = parseResult.GetValue(input)!.FullName,
                OutputPath = parseResult.GetValue(output)?.FullName,
                OutputFormat = format is null ? null : format == "pcap" ? CaptureFormat.Pcap : CaptureFormat.PcapNg,
                StatisticsPath = parseResult.GetValue(stats) is { } statsFile ? (statsFile.Name == "-" ? "-" : statsFile.FullName) : null,
                ReassembledOnly = parseResult.GetValue(reassembledOnly),
                ShardIndex = shardIndex,
                ShardCount = shardCount,
                DirectOutput = !parseResult.GetValue(cachedOutput),
                Quiet = parseResult.GetValue(quiet),
                ShowProgress = Replay.Progress.ReplayProgressReporter.ShouldShow(parseResult.GetValue(quiet), Console.IsErrorRedirected),
                ComparePolicies = parseResult.GetValue(comparePolicies),
                Engine = engine.Bind(parseResult, (IAnomalySink?)ordered ?? eventsWriter),
                WorkerThreads = parseResult.GetValue(workerThreads) is > 0 and int given ? given : null,
                Events = eventsWriter,
                OrderedEvents = ordered,
            };
            return new ReplayRunner(settings, Console.Error, Console.Out).RunAsync(cancellationToken);
        });
        return command;
    }
}
