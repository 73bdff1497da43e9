using System.Diagnostics;
using System.Globalization;
using Reassembly.Capture;
using Reassembly.Host.Replay.Progress;

namespace Reassembly.Host.Replay;

/// <summary>
/// Runs one replay: reader, engine and writer on the hot path (<see cref="ReplayFrameHandler"/>), then the end of
/// input (expire what is left), the statistics and the summary. Every failure becomes one line and an exit code.
/// </summary>
internal sealed class ReplayRunner
{
    private readonly ReplaySettings _settings;
    private readonly TextWriter _errors;
    private readonly TextWriter _standardOutput;

    public ReplayRunner(ReplaySettings settings, TextWriter errors, TextWriter standardOutput)
    {
        _settings = settings;
        _errors = errors;
        _standardOutput = standardOutput;
    }

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        string input = _settings.InputPath;
        if (_settings.OutputPath is not null && SamePath(_settings.OutputPath, input))
        {
            return Fail(ExitCodes.Usage, $"{_settings.OutputPath}: the output would overwrite the input");
        }

        CaptureFileReader reader;
        try
        {
            // Mapped: a replay reads a finished capture, and its workers then take frames in place (see MemoryMap).
            reader = CaptureFileReader.Open(input, new CaptureReaderOptions { MemoryMap = true });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Fail(ExitCodes.InputError, $"{input}: {Describe(e)}");
        }

        try
        {
            _settings.Events?.Open();
        }
        catch (OutputFailedException e)
        {
            await reader.DisposeAsync().ConfigureAwait(false);
            return Fail(ExitCodes.OutputError, e.Message);
        }

        using AnomalyJsonLinesWriter? events = _settings.Events;
        await using (reader.ConfigureAwait(false))
        {
            ReassemblyEngine engine = ReassemblyEngine.Create(_settings.Engine);
            PolicyComparison? comparison = _settings.ComparePolicies ? new PolicyComparison(_settings.Engine) : null;
            using var handler = new ReplayFrameHandler(engine, () => reader, _settings, comparison);
            var outcome = new ReplayOutcome();
            CaptureReadSummary? read = null;
            ReplayProgressReporter? progress = _settings.ShowProgress ? StartProgress(reader) : null;
            try
            {
                try
                {
                    read = await reader.ReadAllAsync(handler, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    // Whatever stopped the reading, the frames already read are reassembled and written.
                    progress?.Dispose();
                    handler.FinishFrames();
                }

                if (read.Truncated)
                {
                    outcome.Truncated = true;
                    outcome.InputProblem = string.Create(
                        CultureInfo.InvariantCulture,
                        $"{input}: truncated: the record at byte {read.TruncatedRecordOffset} is cut short ({read.TruncatedByteCount} bytes left over); everything before it was processed");
                }
            }
            catch (CaptureFormatException e)
            {
                outcome.InputProblem = $"{input}: {e.Message}";
            }
            catch (OutputFailedException e)
            {
                await handler.AbandonAsync().ConfigureAwait(false);
                return Fail(ExitCodes.OutputError, e.Message);
            }
            catch (OperationCanceledException)
            {
                outcome.InputProblem = $"{input}: interrupted; everything read so far was processed";
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                outcome.InputProblem = $"{input}: {Describe(e)}";
            }

            if (outcome.InputProblem is not null && engine.GetStatistics().Frames == 0)
            {
                // Nothing was read (not a capture, or broken before its first packet): one line, and no output file.
                await handler.AbandonAsync().ConfigureAwait(false);
                return Fail(ExitCodes.InputError, outcome.InputProblem);
            }

            // End of input: nothing more can arrive, so whatever is still incomplete is expired (and counted).
            try
            {
                engine.ExpireAll();
                _settings.OrderedEvents?.EmitUnbatched();
                comparison?.Finish();
                if (events is not null)
                {
                    comparison?.WriteEvents(events);
                    events.Dispose();
                }

                await handler.CompleteAsync().ConfigureAwait(false);
            }
            catch (OutputFailedException e)
            {
                return Fail(ExitCodes.OutputError, e.Message);
            }

            outcome.FramesWritten = handler.FramesWritten;
            outcome.DatagramsWritten = handler.DatagramsWritten;
            outcome.PassedThroughWritten = handler.PassedThroughWritten;
            outcome.FramesOutsideShard = handler.FramesOutsideShard;
            outcome.Pipeline = handler.PipelineTimings;
            ReassemblyStatistics statistics = engine.GetStatistics();
            if (_settings.StatisticsPath is not null && !TryWriteStatistics(statistics, outcome))
            {
                return ExitCodes.OutputError;
            }

            if (!_settings.Quiet)
            {
                WriteSummary(reader, read, statistics, outcome, handler.WrittenFormat, clock.Elapsed);
                comparison?.WriteSummary(_errors);
            }

            if (outcome.InputProblem is not null)
            {
                _errors.WriteLine($"reassembly: {outcome.InputProblem}");
                return ExitCodes.InputError;
            }

            return ExitCodes.Success;
        }
    }

    private ReplayProgressReporter StartProgress(CaptureFileReader reader)
    {
        long size = new FileInfo(_settings.InputPath).Length;
        return ReplayProgressReporter.Start(
            _errors, elapsed => new ProgressSnapshot(reader.BytesConsumed, size, reader.FramesDelivered, elapsed), TimeProvider.System, ReplayProgressReporter.TerminalWidth());
    }

    private bool TryWriteStatistics(ReassemblyStatistics statistics, ReplayOutcome outcome)
    {
        string path = _settings.StatisticsPath!;
        try
        {
            if (path == "-")
            {
                using Stream stdout = Console.OpenStandardOutput();
                _standardOutput.Flush();
                StatisticsJson.Write(stdout, statistics, outcome);
            }
            else
            {
                using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
                StatisticsJson.Write(file, statistics, outcome);
            }

            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Fail(ExitCodes.OutputError, $"{path}: {Describe(e)}");
            return false;
        }
    }

    private void WriteSummary(CaptureFileReader reader, CaptureReadSummary? read, ReassemblyStatistics statistics, ReplayOutcome outcome, CaptureFormat? writtenFormat, TimeSpan elapsed)
    {
        var invariant = CultureInfo.InvariantCulture;
        long framesRead = read?.FramesRead ?? statistics.Frames;
        _errors.WriteLine(string.Create(
            invariant,
            $"reassembly: {_settings.InputPath} ({FormatName(reader.Format)}, {reader.Interfaces.Count} interface(s)): {framesRead} frames in {elapsed.TotalSeconds:F2} s"));
        WriteFamilyLine("ipv4", statistics.Ipv4);
        WriteFamilyLine("ipv6", statistics.Ipv6);
        if (statistics.Lowpan.Frames > 0)
        {
            // Only for 802.15.4 input, so the summary of an Ethernet capture is as it was.
            FamilyStatistics lowpan = statistics.Lowpan;
            WriteFamilyLine("lowpan", lowpan);
            _errors.WriteLine(string.Create(invariant, $"  lowpan frames: {lowpan.Frames} IEEE 802.15.4, {lowpan.NotIp} without IPv6, {lowpan.SecurityEnabled} secured, {lowpan.Unsupported} unsupported (passed through)"));
        }

        WriteAnomalyLine(statistics.Anomalies);
        if (statistics.NotIp > 0 || statistics.LinkErrors > 0)
        {
            _errors.WriteLine(string.Create(invariant, $"  other: {statistics.NotIp} not IP, {statistics.LinkErrors} with a bad or unsupported link-layer header (passed through)"));
        }

        if (_settings.OutputPath is not null)
        {
            _errors.WriteLine(string.Create(
                invariant,
                $"  wrote {outcome.FramesWritten} frames to {_settings.OutputPath} ({(writtenFormat is { } f ? FormatName(f) : "-")}): {outcome.DatagramsWritten} reassembled, {outcome.PassedThroughWritten} passed through"));
        }

        if (outcome.Pipeline is { } pipeline)
        {
            _errors.WriteLine(string.Create(
                invariant,
                $"  threads: {pipeline.Workers} workers on {pipeline.WorkerBusySeconds.Count} thread(s) busy {JoinSeconds(pipeline.WorkerBusySeconds)} s and waiting for frames {JoinSeconds(pipeline.WorkerWaitingSeconds)} s; the reader waited {pipeline.ReaderWaitingSeconds:F2} s for them and wrote for {pipeline.WritingSeconds:F2} s"));
        }
    }

    private static string JoinSeconds(IReadOnlyList<double> seconds) =>
        string.Join('/', seconds.Select(s => s.ToString("F2", CultureInfo.InvariantCulture)));

    private void WriteFamilyLine(string name, FamilyStatistics family)
    {
        _errors.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"  {name}: {family.ReasmReqds} fragments, {family.ReasmOKs} reassembled, {family.ReasmFails} failed ({family.ReasmTimeout} timed out, {family.ReasmOverlaps} overlaps), {family.NotFragmented} not fragmented, {family.Malformed} malformed"));
    }

    private void WriteAnomalyLine(AnomalyStatistics anomalies)
    {
        var parts = new List<string>();
        foreach (AnomalyKind kind in Enum.GetValues<AnomalyKind>())
        {
            if (anomalies[kind] > 0)
            {
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"{anomalies[kind]} {AnomalyKindNames.ToName(kind)}"));
            }
        }

        if (parts.Count > 0)
        {
            _errors.WriteLine($"  anomalies: {string.Join(", ", parts)}");
        }
    }

    private int Fail(int exitCode, string message)
    {
        _errors.WriteLine($"reassembly: {message}");
        return exitCode;
    }

    private static string FormatName(CaptureFormat format) => format == CaptureFormat.Pcap ? "pcap" : "pcapng";

    private static string Describe(Exception e) => e switch
    {
        FileNotFoundException => "no such file",
        DirectoryNotFoundException => "no such directory",
        UnauthorizedAccessException => "permission denied",
        _ => e.Message,
    };

    private static bool SamePath(string a, string b) =>
        string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), StringComparison.Ordinal);
}
