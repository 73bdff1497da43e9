using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace Reassembly.Host.Daemon;

/// <summary>
/// Live reconfiguration: when the configuration changes (appsettings.json is watched), re-binds and re-checks the
/// settings and publishes the engine's new policies and timeouts with <see cref="ReassemblyEngine.UpdateSettings"/>,
/// while capture runs. A bad change is logged and ignored: the running settings stay.
/// </summary>
/// <remarks>
/// Runs on the configuration's change-notification thread, never on the frame loop's: the loop only ever reads the
/// snapshot the engine publishes (one reference, read once per fragment), so a reload takes no lock the packet path
/// waits on, and a datagram in flight keeps the policy and deadline it started with. The file watcher may fire twice
/// for one save; applying the same settings twice is harmless.
/// </remarks>
internal sealed class SettingsReloader : IDisposable
{
    private readonly IConfiguration _configuration;
    private readonly ReassemblyEngine _engine;
    private readonly ILogger _logger;
    private readonly IDisposable _subscription;
    private DaemonOptions _current;

    public SettingsReloader(IConfiguration configuration, ReassemblyEngine engine, DaemonOptions startup, ILogger logger)
    {
        _configuration = configuration;
        _engine = engine;
        _current = startup;
        _logger = logger;
        _subscription = ChangeToken.OnChange(configuration.GetReloadToken, Reload);
    }

    /// <summary>How many reloads were applied (tests wait on it).</summary>
    public int Applied => Volatile.Read(ref _applied);

    private int _applied;

    private void Reload()
    {
        DaemonOptions next = new();
        try
        {
            _configuration.Bind(next);
        }
        catch (InvalidOperationException e)
        {
            DaemonLog.ReconfigurationRejected(_logger, e.InnerException?.Message ?? e.Message);
            return;
        }

        var errors = new List<string>();
        ReassemblyOptions? engine = DaemonSettings.TryCreateEngineOptions(next, errors);
        if (engine is null)
        {
            DaemonLog.ReconfigurationRejected(_logger, string.Join("; ", errors));
            return;
        }

        WarnAboutStartupOnly(_current, next);

        // Memory limits (the memory accountant's high/low thresholds) are to be applied here too, once the engine's
        // options carry them: they are part of the same snapshot, so they change with the policies, atomically.
        _engine.UpdateSettings(engine);
        _current = next;
        Interlocked.Increment(ref _applied);
        DaemonLog.Reconfigured(
            _logger, next.Policy, next.Ipv6Policy ?? next.Policy, engine.PolicyRoutes.Count, engine.NamespacePolicies.Count, next.Ipv4Timeout, next.Ipv6Timeout);
    }

    private void WarnAboutStartupOnly(DaemonOptions before, DaemonOptions after)
    {
        Check("Interfaces", string.Join(",", before.Interfaces) != string.Join(",", after.Interfaces));
        Check("Filter", before.Filter != after.Filter);
        Check("Promiscuous", before.Promiscuous != after.Promiscuous);
        Check("SnapLength", before.SnapLength != after.SnapLength);
        Check("BufferSize", before.BufferSize != after.BufferSize);
        Check("Output", before.Output != after.Output);
        Check("Events", before.Events != after.Events);
        Check("Shard", before.Shard != after.Shard);
        Check("Threads", before.Threads != after.Threads);
        Check("NamespaceBy", before.NamespaceBy != after.NamespaceBy);
        Check("Ipv4MaxDistance", before.Ipv4MaxDistance != after.Ipv4MaxDistance);

        void Check(string setting, bool changed)
        {
            if (changed)
            {
                DaemonLog.NeedsRestart(_logger, setting);
            }
        }
    }

    public void Dispose() => _subscription.Dispose();
}
