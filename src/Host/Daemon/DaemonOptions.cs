namespace Reassembly.Host.Daemon;

/// <summary>
/// The settings of <c>reassembly run</c>, bound from configuration (appsettings.json, then <c>REASSEMBLY_</c>
/// environment variables, then the command line, each overriding the one before) and checked by
/// <see cref="DaemonOptionsValidator"/> before capture starts. Keys are the property names, at the root of the
/// configuration (<c>"Policy": "windows"</c>, <c>REASSEMBLY_POLICY=windows</c>, <c>--policy windows</c>).
/// </summary>
/// <remarks>
/// Reloaded while running when the configuration file changes: the policies (<see cref="Policy"/>,
/// <see cref="Ipv6Policy"/>, <see cref="PolicyMap"/>, <see cref="PolicyRoutes"/>, <see cref="NamespacePolicies"/>) and
/// the timeouts apply to datagrams that start after the change; the other settings are read at start-up only.
/// </remarks>
internal sealed class DaemonOptions
{
    /// <summary>The interfaces to capture from (libpcap names); at least one.</summary>
    public List<string> Interfaces { get; set; } = [];

    /// <summary>A BPF filter (tcpdump syntax), or null for every frame.</summary>
    public string? Filter { get; set; }

    /// <summary>Promiscuous mode. Defaults to true.</summary>
    public bool Promiscuous { get; set; } = true;

    /// <summary>Bytes kept of each frame. Defaults to 65535; at most 262144.</summary>
    public int SnapLength { get; set; } = 65535;

    /// <summary>The kernel capture buffer in bytes; null for libpcap's default.</summary>
    public int? BufferSize { get; set; }

    /// <summary>Frames that may wait between capture and reassembly before new ones are dropped (and counted). Defaults to 4096.</summary>
    public int QueueCapacity { get; set; } = 4096;

    /// <summary>The capture output (reassembled datagrams, and passed-through frames unless <see cref="ReassembledOnly"/>); null for none.</summary>
    public string? Output { get; set; }

    /// <summary>pcap or pcapng. Defaults to pcapng (several interfaces fit in one file).</summary>
    public string OutputFormat { get; set; } = "pcapng";

    /// <summary>Start a new output file once the current one holds this many bytes; 0 for never.</summary>
    public long RotateSize { get; set; }

    /// <summary>Start a new output file after this many seconds; 0 for never.</summary>
    public double RotateSeconds { get; set; }

    /// <summary>Write only reassembled datagrams.</summary>
    public bool ReassembledOnly { get; set; }

    /// <summary>The anomaly events file (JSON lines), '-' for standard output; null for none.</summary>
    public string? Events { get; set; }

    /// <summary>The final statistics file (JSON), '-' for standard output; null for none.</summary>
    public string? Stats { get; set; }

    /// <summary>Seconds between statistics lines in the log; 0 for none. Defaults to 10.</summary>
    public double StatsInterval { get; set; } = 10;

    /// <summary>K/N: keep only the frames whose address-pair hash is K modulo N; null for all.</summary>
    public string? Shard { get; set; }

    /// <summary>An interface to send every reassembled datagram out of (for a downstream IDS); null for none.</summary>
    public string? Inject { get; set; }

    /// <summary>Seconds an incomplete IPv4 datagram is kept. Defaults to 30 (Linux).</summary>
    public double Ipv4Timeout { get; set; } = 30;

    /// <summary>Seconds an incomplete IPv6 datagram is kept. Defaults to 60 (Linux, RFC 8200).</summary>
    public double Ipv6Timeout { get; set; } = 60;

    /// <summary>Seconds an incomplete 6LoWPAN datagram is kept. Defaults to 60 (RFC 4944).</summary>
    public double LowpanTimeout { get; set; } = 60;

    /// <summary>6LoWPAN stateful-compression contexts as ID=PREFIX/LENGTH ('0=2001:db8:1::/64').</summary>
    public List<string> LowpanContexts { get; set; } = [];

    /// <summary>A namespace's high memory threshold (bytes, K/M/G suffixes allowed). Defaults to 4M (Linux's ipfrag_high_thresh).</summary>
    public string MemoryHigh { get; set; } = "4M";

    /// <summary>The level an eviction brings a namespace down to. Defaults to 3M (Linux's ipfrag_low_thresh).</summary>
    public string MemoryLow { get; set; } = "3M";

    /// <summary>The cap over all namespaces. Defaults to 64M.</summary>
    public string MemoryGlobal { get; set; } = "64M";

    /// <summary>evict (the default: oldest datagrams go, a source over its fair share first) or refuse (new datagrams are refused).</summary>
    public string MemoryMode { get; set; } = "evict";

    /// <summary>The IPv4 IP-ID distance limit; 0 turns it off. Defaults to 64 (Linux).</summary>
    public int Ipv4MaxDistance { get; set; } = 64;

    /// <summary>none, vlan, interface or vlan+interface. Defaults to none.</summary>
    public string NamespaceBy { get; set; } = "none";

    /// <summary>Reassembly worker threads. Defaults to 1.</summary>
    public int Threads { get; set; } = 1;

    /// <summary>The overlap policy of IPv4 and IPv6. Defaults to linux-modern.</summary>
    public string Policy { get; set; } = "linux-modern";

    /// <summary>The overlap policy of IPv6, overriding <see cref="Policy"/>; null to follow it.</summary>
    public string? Ipv6Policy { get; set; }

    /// <summary>A policy map file (lines 'CIDR POLICY'), re-read at every reload; null for none.</summary>
    public string? PolicyMap { get; set; }

    /// <summary>Routes in the policy map syntax ('10.0.0.0/8 windows'), after those of <see cref="PolicyMap"/>.</summary>
    public List<string> PolicyRoutes { get; set; } = [];

    /// <summary>Per-namespace policies as NAMESPACE=POLICY ('vlan=100=windows').</summary>
    public List<string> NamespacePolicies { get; set; } = [];
}
