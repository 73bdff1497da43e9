using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Reassembly.Host.Daemon;

/// <summary>
/// Builds and runs the daemon's Generic Host: configuration from the file, then <c>REASSEMBLY_</c> environment
/// variables, then the command line (each overriding the one before); options bound and validated at start;
/// logs on standard error, one line per message; SIGINT and SIGTERM stop it cleanly (the console lifetime).
/// </summary>
internal static class DaemonHost
{
    /// <summary>The environment variable prefix: <c>REASSEMBLY_POLICY=windows</c>, <c>REASSEMBLY_INTERFACES__0=eth0</c>.</summary>
    public const string EnvironmentPrefix = "REASSEMBLY_";

    /// <summary>Runs until stopped; returns the exit code. Start-up failures are one line on <paramref name="errors"/>.</summary>
    /// <param name="configPath">The configuration file; null for an optional appsettings.json in the working directory.</param>
    /// <param name="commandLine">Settings given on the command line, as configuration keys.</param>
    /// <param name="errors">Where a start-up failure is reported.</param>
    /// <param name="cancellationToken">Stops the daemon as a signal would.</param>
    public static async Task<int> RunAsync(string? configPath, IReadOnlyDictionary<string, string?> commandLine, TextWriter errors, CancellationToken cancellationToken)
    {
        IHost host;
        try
        {
            host = Build(configPath, commandLine);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or FormatException or UnauthorizedAccessException)
        {
            return Fail(errors, ExitCodes.BadConfiguration, Describe(e));
        }

        using (host)
        {
            try
            {
                await host.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OptionsValidationException e)
            {
                return Fail(errors, ExitCodes.BadConfiguration, string.Join("; ", e.Failures));
            }
            catch (DaemonStartException e)
            {
                return Fail(errors, e.ExitCode, e.Message);
            }
            catch (InvalidOperationException e) when (e.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal))
            {
                // The binder's "Failed to convert configuration value at 'SnapLength' to type 'System.Int32'."
                return Fail(errors, ExitCodes.BadConfiguration, e.Message);
            }

            // SIGINT and SIGTERM: a clean stop (drain, flush, statistics), never the runtime's default of ending the
            // process at once. Registered here, after start-up, so that a signal during start-up still ends it.
            IHostApplicationLifetime lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
            void Stop(System.Runtime.InteropServices.PosixSignalContext context)
            {
                context.Cancel = true;
                lifetime.StopApplication();
            }

            using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, Stop);
            using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, Stop);
            await host.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            return host.Services.GetRequiredService<DaemonExit>().Code;
        }
    }

    private static IHost Build(string? configPath, IReadOnlyDictionary<string, string?> commandLine)
    {
        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ContentRootPath = Directory.GetCurrentDirectory(),
        });
        string file = Path.GetFullPath(configPath ?? "appsettings.json");
        builder.Configuration.AddJsonFile(
            new Microsoft.Extensions.FileProviders.PhysicalFileProvider(Path.GetDirectoryName(file)!), Path.GetFileName(file), optional: configPath is null, reloadOnChange: true);
        builder.Configuration.AddEnvironmentVariables(EnvironmentPrefix);
        builder.Configuration.AddInMemoryCollection(commandLine);

        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));

        // A start-up failure is reported as one line by RunAsync; the host's own report is a stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.Critical);
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.UseUtcTimestamp = true;
            console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });
        builder.Services.Configure<ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.Configure<ConsoleLifetimeOptions>(lifetime => lifetime.SuppressStatusMessages = true);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(60));

        builder.Services.AddOptions<DaemonOptions>().Bind(builder.Configuration).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<DaemonOptions>, DaemonOptionsValidator>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<DaemonExit>();
        builder.Services.AddHostedService<DaemonService>();
        return builder.Build();
    }

    private static int Fail(TextWriter errors, int code, string message)
    {
        errors.WriteLine($"reassembly: run: {message.ReplaceLineEndings(" ")}");
        return code;
    }

    private static string Describe(Exception e) => e switch
    {
        FileNotFoundException f => $"{f.FileName ?? "configuration file"}: no such file",
        InvalidDataException => e.InnerException is { } inner ? $"{e.Message} {inner.Message}" : e.Message,
        _ => e.Message,
    };
}
