using Reassembly.Host.Tests.Helpers;

namespace Reassembly.Host.Tests.Daemon;

/// <summary>
/// <c>reassembly run</c> start-up: a bad setting from any source (command line, environment, file) is one line on
/// standard error and exit code 2, before any interface is opened (so these need no privilege).
/// </summary>
public sealed class RunConfigurationTests
{
    [Theory]
    [InlineData(new[] { "--interface", "lo", "--snaplen", "5" }, "reassembly: run: SnapLength: 5 is not between 64 and 262144")]
    [InlineData(new[] { "--interface", "lo", "--shard", "4/4" }, "reassembly: run: Shard: '4/4': expected K/N with 0 <= K < N <= 1024, e.g. 0/4")]
    [InlineData(new[] { "--interface", "lo", "--rotate-size", "1000", "--output", "x.pcapng" }, "reassembly: run: RotateSize: 1000 bytes: give 0 (never) or at least 65536")]
    [InlineData(new[] { "--policy", "linux" }, "reassembly: run: Interfaces: give at least one interface to capture from (--interface IFACE)")]
    public void Run_reports_a_bad_command_line_setting_in_one_line_with_exit_code_2(string[] arguments, string expected)
    {
        ProcessRunner.Result result = ProcessRunner.Reassembly(["run", .. arguments]);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(expected, result.StandardError.TrimEnd('\n'));
    }

    [Fact]
    public void Run_reports_an_unknown_interface_in_one_line_with_exit_code_2()
    {
        ProcessRunner.Result result = ProcessRunner.Reassembly("run", "--interface", "rsm-nosuch0");
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("reassembly: run: interface 'rsm-nosuch0' ", result.StandardError, StringComparison.Ordinal);
        Assert.Single(result.StandardError.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void Run_reads_settings_from_REASSEMBLY_environment_variables_and_rejects_a_bad_one()
    {
        ProcessRunner.Result result = ProcessRunner.Reassembly(
            ["run", "--interface", "lo"], environment: new Dictionary<string, string> { ["REASSEMBLY_IPV6POLICY"] = "vista" });
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("reassembly: run: Ipv6Policy: 'vista' is not one of ", result.StandardError, StringComparison.Ordinal);
        Assert.Single(result.StandardError.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void Run_lets_the_command_line_override_the_file_and_the_environment()
    {
        using var temp = new TempDirectory();
        string config = temp.File("appsettings.json");
        File.WriteAllText(config, """{ "Interfaces": [ "lo" ], "QueueCapacity": 1 }""");

        // The file's QueueCapacity is bad; the environment's is bad too; the command line's good one wins, so the next
        // check to fail is the file's bad policy map.
        ProcessRunner.Result result = ProcessRunner.Reassembly(
            ["run", "--config", config, "--queue-capacity", "64", "--policy-map", temp.File("missing.map")],
            environment: new Dictionary<string, string> { ["REASSEMBLY_QUEUECAPACITY"] = "2" });
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("missing.map", result.StandardError, StringComparison.Ordinal);

        ProcessRunner.Result fromEnvironment = ProcessRunner.Reassembly(
            ["run", "--config", config], environment: new Dictionary<string, string> { ["REASSEMBLY_QUEUECAPACITY"] = "2" });
        Assert.Equal(2, fromEnvironment.ExitCode);
        Assert.Equal("reassembly: run: QueueCapacity: 2 is not between 16 and 1048576", fromEnvironment.StandardError.TrimEnd('\n'));
    }

    [Theory]
    [InlineData("""{ "Interfaces": [ "lo" ], "SnapLength": "big" }""", "reassembly: run: Failed to convert configuration value")]
    [InlineData("""{ "Interfaces": [ "lo" ], "PolicyRoutes": [ "10.0.0.0/8 vista" ] }""", "reassembly: run: PolicyMap/PolicyRoutes: PolicyRoutes entry:1: 'vista' is not a policy")]
    [InlineData("""{ "Interfaces": [ "lo" ], """, "reassembly: run: ")]
    [InlineData("""{ "Interfaces": [ "lo" ], "MemoryHigh": "lots" }""", "reassembly: run: MemoryHigh: 'lots' is not a byte count")]
    [InlineData("""{ "Interfaces": [ "lo" ], "MemoryHigh": "1M", "MemoryLow": "2M" }""", "reassembly: run: MemoryLow: 2097152 bytes must not exceed MemoryHigh (1048576 bytes)")]
    [InlineData("""{ "Interfaces": [ "lo" ], "MemoryMode": "panic" }""", "reassembly: run: MemoryMode: 'panic' is not evict or refuse")]
    [InlineData("""{ "Interfaces": [ "lo" ], "LowpanContexts": [ "16=2001:db8::/64" ] }""", "reassembly: run: LowpanContexts: '16=2001:db8::/64'")]
    public void Run_reports_a_bad_configuration_file_in_one_line_with_exit_code_2(string json, string expectedStart)
    {
        using var temp = new TempDirectory();
        string config = temp.File("appsettings.json");
        File.WriteAllText(config, json);
        ProcessRunner.Result result = ProcessRunner.Reassembly("run", "--config", config);
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith(expectedStart, result.StandardError, StringComparison.Ordinal);
        Assert.Single(result.StandardError.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void Run_help_explains_every_option()
    {
        ProcessRunner.Result result = ProcessRunner.Reassembly("run", "--help");
        Assert.Equal(0, result.ExitCode);
        foreach (string option in (string[])[
            "--config", "--interface", "--filter", "--no-promiscuous", "--snaplen", "--buffer-size", "--queue-capacity", "--output", "--output-format",
            "--rotate-size", "--rotate-seconds", "--reassembled-only", "--events", "--stats", "--stats-interval", "--shard", "--inject", "--ipv4-timeout",
            "--ipv6-timeout", "--ipv4-max-dist", "--namespace-by", "--threads", "--policy", "--ipv6-policy", "--policy-map", "--namespace-policy"])
        {
            Assert.Contains(option + " ", result.StandardOutput, StringComparison.Ordinal);
        }

        Assert.Contains("SIGTERM", result.StandardOutput, StringComparison.Ordinal);
    }
}
