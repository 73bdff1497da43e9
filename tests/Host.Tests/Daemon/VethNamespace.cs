using System.Globalization;
using Reassembly.Host.Tests.Helpers;

namespace Reassembly.Host.Tests.Daemon;

/// <summary>
/// A network namespace of the test's own, joined to the host by a veth pair, with TEST-NET addresses only
/// (192.0.2.0/24, 2001:db8::/32): the host end is <see cref="HostAddress4"/> / <see cref="HostAddress6"/>, the namespace
/// end <see cref="PeerAddress4"/> / <see cref="PeerAddress6"/>. Static neighbour entries (and no DAD) make both
/// families usable at once, without ARP or neighbour discovery. Disposing deletes the namespace and the pair.
/// </summary>
/// <remarks>Needs root (CAP_NET_ADMIN): creating it fails the test with a message saying so, never skips it.</remarks>
internal sealed class VethNamespace : IDisposable
{
    public const string HostAddress4 = "192.0.2.1";
    public const string PeerAddress4 = "192.0.2.2";
    public const string HostAddress6 = "2001:db8:8::1";
    public const string PeerAddress6 = "2001:db8:8::2";

    private bool _namespaceCreated;
    private bool _linkCreated;

    public VethNamespace()
    {
        string tag = Random.Shared.Next(0x100000, 0xFFFFFF).ToString("x6", CultureInfo.InvariantCulture);
        Namespace = "rsm-t" + tag;
        HostInterface = "rsmh" + tag;
        PeerInterface = "rsmp" + tag;
        try
        {
            Setup();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Namespace { get; }

    /// <summary>The host end, where the daemon captures.</summary>
    public string HostInterface { get; }

    /// <summary>The namespace end, where the test sends from.</summary>
    public string PeerInterface { get; }

    public string HostMac { get; private set; } = string.Empty;

    public string PeerMac { get; private set; } = string.Empty;

    /// <summary>A second pair into the same namespace, without addresses (the inject test's way out), or null.</summary>
    public (string Host, string Peer)? ExtraPair { get; private set; }

    /// <summary>Adds <see cref="ExtraPair"/> with the given MTU on both ends, both up.</summary>
    public void AddExtraPair(int mtu)
    {
        string host = HostInterface.Replace("rsmh", "rsmi", StringComparison.Ordinal);
        string peer = PeerInterface.Replace("rsmp", "rsmq", StringComparison.Ordinal);
        Ip("link", "add", host, "mtu", mtu.ToString(CultureInfo.InvariantCulture), "type", "veth", "peer", "name", peer, "mtu", mtu.ToString(CultureInfo.InvariantCulture));
        ExtraPair = (host, peer);
        Ip("link", "set", peer, "netns", Namespace);
        Ip("link", "set", host, "up");
        Ip("-n", Namespace, "link", "set", peer, "up");
    }

    /// <summary>Runs a program inside the namespace, bounded in time; fails the test if it fails.</summary>
    public ProcessRunner.Result Exec(int timeoutSeconds, params string[] command)
    {
        ProcessRunner.Result result = ProcessRunner.Run("ip", ["netns", "exec", Namespace, .. command], timeoutSeconds);
        Assert.True(result.ExitCode == 0, $"ip netns exec {Namespace} {string.Join(' ', command)} failed ({result.ExitCode}): {result.StandardError}");
        return result;
    }

    public void Dispose()
    {
        // Deleting the namespace destroys the peer end, and with it the pair; the host end is deleted too in case the
        // pair was made but not moved.
        if (_namespaceCreated)
        {
            ProcessRunner.Run("ip", ["netns", "del", Namespace], 30);
            _namespaceCreated = false;
        }

        if (_linkCreated)
        {
            ProcessRunner.Run("ip", ["link", "del", HostInterface], 30);
            _linkCreated = false;
        }

        if (ExtraPair is { } extra)
        {
            ProcessRunner.Run("ip", ["link", "del", extra.Host], 30);
            ExtraPair = null;
        }
    }

    private void Setup()
    {
        if (Environment.UserName != "root" && !IsRoot())
        {
            Assert.Fail("The daemon's veth test needs root (CAP_NET_ADMIN to create a network namespace and a veth pair, CAP_NET_RAW to capture); "
                + "run the tests as root (CI does: .ci/run/test.sh).");
        }

        if (ProcessRunner.Which("ip") is null)
        {
            Assert.Fail("The daemon's veth test needs iproute2's 'ip' (test.sh installs it): apt-get install iproute2.");
        }

        ProcessRunner.Result added = ProcessRunner.Run("ip", ["netns", "add", Namespace], 30);
        if (added.ExitCode != 0)
        {
            Assert.Fail($"The daemon's veth test could not create a network namespace (ip netns add {Namespace}: {added.StandardError.Trim()}); "
                + "it needs root with CAP_SYS_ADMIN and CAP_NET_ADMIN (a container may have to be run with --privileged or --cap-add NET_ADMIN,SYS_ADMIN).");
        }

        _namespaceCreated = true;
        Ip("link", "add", HostInterface, "type", "veth", "peer", "name", PeerInterface);
        _linkCreated = true;
        Ip("link", "set", PeerInterface, "netns", Namespace);
        Ip("addr", "add", HostAddress4 + "/24", "dev", HostInterface);
        Ip("-6", "addr", "add", HostAddress6 + "/64", "dev", HostInterface, "nodad");
        Ip("link", "set", HostInterface, "mtu", "1500", "up");
        Ip("-n", Namespace, "addr", "add", PeerAddress4 + "/24", "dev", PeerInterface);
        Ip("-n", Namespace, "-6", "addr", "add", PeerAddress6 + "/64", "dev", PeerInterface, "nodad");
        Ip("-n", Namespace, "link", "set", PeerInterface, "mtu", "1500", "up");
        Ip("-n", Namespace, "link", "set", "lo", "up");
        HostMac = File.ReadAllText($"/sys/class/net/{HostInterface}/address").Trim();
        PeerMac = Exec(10, "cat", $"/sys/class/net/{PeerInterface}/address").StandardOutput.Trim();

        // A veth end reports carrier a moment after both ends are up; frames sent before that are lost.
        WaitUntilUp(() => File.ReadAllText($"/sys/class/net/{HostInterface}/operstate").Trim(), HostInterface);
        WaitUntilUp(() => Exec(10, "cat", $"/sys/class/net/{PeerInterface}/operstate").StandardOutput.Trim(), PeerInterface);

        // Static neighbours: the first datagram is sent at once, without waiting for ARP or neighbour discovery.
        Ip("-n", Namespace, "neigh", "replace", HostAddress4, "lladdr", HostMac, "dev", PeerInterface, "nud", "permanent");
        Ip("-n", Namespace, "-6", "neigh", "replace", HostAddress6, "lladdr", HostMac, "dev", PeerInterface, "nud", "permanent");
    }

    private static void WaitUntilUp(Func<string> operstate, string name)
    {
        // Bounded: 100 polls of 50 ms.
        for (int i = 0; i < 100; i++)
        {
            if (operstate() == "up")
            {
                return;
            }

            Thread.Sleep(50);
        }

        Assert.Fail($"{name} did not come up within 5 s (operstate {operstate()})");
    }

    private static void Ip(params string[] arguments)
    {
        ProcessRunner.Result result = ProcessRunner.Run("ip", arguments, 30);
        Assert.True(result.ExitCode == 0, $"ip {string.Join(' ', arguments)} failed ({result.ExitCode}): {result.StandardError}");
    }

    private static bool IsRoot() => File.ReadAllLines("/proc/self/status").Any(line => line.StartsWith("Uid:", StringComparison.Ordinal) && line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1] == "0");
}
