using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Reassembly.Capture.Live;
using Reassembly.Host.Replay;

namespace Reassembly.Host.Daemon;

/// <summary>
/// <c>reassembly run</c> as a hosted service: start-up opens the outputs, the engine and the interfaces (any failure
/// there stops the host before capture with one line and an exit code); stop (SIGINT, SIGTERM) stops the capture,
/// lets the frame loop drain every frame captured, expires what is incomplete, closes every output and writes the
/// final statistics.
/// </summary>
internal sealed class DaemonService : IHostedService, IDisposable
{
    private readonly DaemonOptions _options;
    private readonly IConfiguration _configuration;
    private readonly ILogger<DaemonService> _logger;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly DaemonExit _exit;
    private readonly TimeProvider _time;
    private DaemonSettings? _settings;
    private AnomalyJsonLinesWriter? _events;
    private ReassemblyEngine? _engine;
    private LiveCaptureSource? _source;
    private RotatingCaptureOutput? _output;
    private LiveInjector? _injector;
    private SettingsReloader? _reloader;
    private DaemonFrameLoop? _loop;
    private Thread? _loopThread;
    private bool _stopped;
    private Lock? _outputLock;

    public DaemonService(IOptions<DaemonOptions> options, IConfiguration configuration, ILogger<DaemonService> logger, IHostApplicationLifetime lifetime, DaemonExit exit, TimeProvider time)
    {
        _options = options.Value;
        _configuration = configuration;
        _logger = logger;
        _lifetime = lifetime;
        _exit = exit;
        _time = time;
    }

    /// <summary>The live reconfiguration, once started.</summary>
    internal SettingsReloader? Reloader => _reloader;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        _settings = DaemonSettings.TryCreate(_options, errors)
            ?? throw new DaemonStartException(ExitCodes.BadConfiguration, string.Join("; ", errors));
        try
        {
            if (_options.Events is { } eventsPath)
            {
                _events = new AnomalyJsonLinesWriter(eventsPath == "-" ? "-" : Path.GetFullPath(eventsPath));
                _events.Open();
            }

            var engineErrors = new List<string>();
            _outputLock = _settings.Engine.Workers > 1 ? new Lock() : null;
            IAnomalySink? sink = _events is not null && _outputLock is not null ? new LockedAnomalySink(_events, _outputLock) : _events;
            _engine = ReassemblyEngine.Create(DaemonSettings.TryCreateEngineOptions(_options, engineErrors, sink, _time)!);
            _source = LiveCaptureSource.Open(_settings.Capture);
            if (_options.Output is { } outputPath)
            {
                var interfaces = new List<CaptureOutputInterface>();
                for (int i = 0; i < _source.InterfaceCount; i++)
                {
                    interfaces.Add(new CaptureOutputInterface(_source.NameOf(i), _source.LinkTypeOf(i)));
                }

                _output = new RotatingCaptureOutput(
                    Path.GetFullPath(outputPath), _settings.OutputFormat, _options.RotateSize, TimeSpan.FromSeconds(_options.RotateSeconds), interfaces, _time);
                _output.Open();
                DaemonLog.OutputOpened(_logger, _output.Files[^1]);
            }

            if (_options.Inject is { } inject)
            {
                _injector = LiveInjector.Open(inject);
            }
        }
        catch (OutputFailedException e)
        {
            DisposeParts();
            throw new DaemonStartException(ExitCodes.OutputError, e.Message, e);
        }
        catch (LiveCaptureException e)
        {
            DisposeParts();
            throw new DaemonStartException(ExitCodes.BadConfiguration, e.Message, e);
        }

        _loop = new DaemonFrameLoop(_engine, _source, _settings, _output, _events, _injector, _logger, _time, OnLoopFailure, _outputLock);
        _loopThread = new Thread(_loop.Run) { IsBackground = true, Name = "reassembly" };
        _loopThread.Start();
        _reloader = new SettingsReloader(_configuration, _engine, _options, _logger);
        _source.Start();
        DaemonLog.CaptureStarted(
            _logger, string.Join(", ", _options.Interfaces), _options.Filter ?? "none", _options.SnapLength, _options.Promiscuous, _options.Shard ?? "all");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopped || _source is null || _loop is null)
        {
            return Task.CompletedTask;
        }

        _stopped = true;
        _reloader?.Dispose();

        // Capture first: the threads read what libpcap still holds, then the queue completes and the loop drains it.
        _source.Stop();
        long captured = 0;
        foreach (LiveInterfaceStatistics itf in _source.GetStatistics())
        {
            captured += itf.Captured;
        }

        DaemonLog.Stopping(_logger, captured);
        _loopThread!.Join();
        ReassemblyStatistics statistics = _loop.FinalStatistics!;
        if (_loop.Failure is not null)
        {
            _exit.Fail(ExitCodes.OutputError);
        }

        IReadOnlyList<LiveInterfaceStatistics> capture = _source.GetStatistics();
        _loop.LogStatistics(statistics);
        long dropped = 0, queueDropped = 0;
        foreach (LiveInterfaceStatistics itf in capture)
        {
            dropped += itf.Dropped;
            queueDropped += itf.QueueDropped;
        }

        DaemonLog.Stopped(_logger, statistics.Frames, statistics.Ipv4.ReasmOKs, statistics.Ipv6.ReasmOKs, _loop.FramesWritten, dropped, queueDropped);
        if (_options.Stats is { } statsPath)
        {
            WriteStatistics(statsPath, statistics, capture);
        }

        DisposeParts();
        return Task.CompletedTask;
    }

    public void Dispose() => DisposeParts();

    private void WriteStatistics(string path, ReassemblyStatistics statistics, IReadOnlyList<LiveInterfaceStatistics> capture)
    {
        var outcome = new ReplayOutcome
        {
            FramesWritten = _loop!.FramesWritten,
            DatagramsWritten = _loop.DatagramsWritten,
            PassedThroughWritten = _loop.PassedThroughWritten,
            FramesOutsideShard = _loop.FramesOutsideShard,
        };
        void CaptureExtras(Utf8JsonWriter json)
        {
            long captured = 0, received = 0, dropped = 0, interfaceDropped = 0, queueDropped = 0;
            json.WriteStartArray("Interfaces");
            foreach (LiveInterfaceStatistics itf in capture)
            {
                json.WriteStartObject();
                json.WriteString("Name", itf.Name);
                json.WriteNumber("Captured", itf.Captured);
                json.WriteNumber("Received", itf.Received);
                json.WriteNumber("Dropped", itf.Dropped);
                json.WriteNumber("InterfaceDropped", itf.InterfaceDropped);
                json.WriteNumber("QueueDropped", itf.QueueDropped);
                json.WriteEndObject();
                captured += itf.Captured;
                received += itf.Received;
                dropped += itf.Dropped;
                interfaceDropped += itf.InterfaceDropped;
                queueDropped += itf.QueueDropped;
            }

            json.WriteEndArray();
            json.WriteNumber("Captured", captured);
            json.WriteNumber("PcapReceived", received);
            json.WriteNumber("PcapDropped", dropped);
            json.WriteNumber("PcapInterfaceDropped", interfaceDropped);
            json.WriteNumber("QueueDropped", queueDropped);
            json.WriteNumber("Injected", _loop.Injected);
            json.WriteNumber("InjectFailed", _loop.InjectFailed);
        }

        try
        {
            if (path == "-")
            {
                using Stream stdout = Console.OpenStandardOutput();
                StatisticsJson.Write(stdout, statistics, outcome, CaptureExtras);
            }
            else
            {
                using var file = new FileStream(Path.GetFullPath(path), FileMode.Create, FileAccess.Write, FileShare.Read);
                StatisticsJson.Write(file, statistics, outcome, CaptureExtras);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            DaemonLog.OutputFailed(_logger, $"{path}: {e.Message}");
            _exit.Fail(ExitCodes.OutputError);
        }
    }

    private void OnLoopFailure()
    {
        _exit.Fail(ExitCodes.OutputError);
        _lifetime.StopApplication();
    }

    private void DisposeParts()
    {
        _reloader?.Dispose();
        _reloader = null;
        _source?.Dispose();
        _source = null;
        _injector?.Dispose();
        _injector = null;
        try
        {
            _output?.Dispose();
        }
        catch (OutputFailedException)
        {
            // Reported by the loop already, or a start-up failure is what gets reported.
        }

        _output = null;
        _events?.Dispose();
        _events = null;
        _engine?.Dispose();
        _engine = null;
    }
}
