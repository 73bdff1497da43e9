namespace Reassembly;

/// <summary>Settings for a <see cref="ReassemblyEngine"/>. The defaults are today's Linux.</summary>
public sealed partial class ReassemblyOptions
{
    /// <summary>
    /// How long an incomplete IPv4 datagram is kept, measured from its first fragment, in the clock of the frames'
    /// timestamps (packet time), so that a replay behaves as the wire did.
    /// </summary>
    /// <remarks>Defaults to 30 seconds, Linux's <c>net.ipv4.ipfrag_time</c>. Longer timeouts hold more memory under a flood of fragments that never complete.</remarks>
    public TimeSpan Ipv4Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an incomplete IPv6 datagram is kept, in packet time.</summary>
    /// <remarks>Defaults to 60 seconds, as RFC 8200 section 4.5 and Linux's <c>net.ipv6.ip6frag_time</c>.</remarks>
    public TimeSpan Ipv6Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The IPv4 IP-ID distance limit (Linux's <c>net.ipv4.ipfrag_max_dist</c>): a queue whose source has sent more than
    /// this many fragments (to any destination) since the queue's last fragment is emptied before the next one is added,
    /// because the IDs have most likely wrapped and the held fragments belong to an older datagram. 0 turns it off.
    /// </summary>
    /// <remarks>
    /// Defaults to 64, as Linux. It costs one peer-table entry per source with fragments in flight. A sender that
    /// interleaves fragments of more than this many datagrams of its own loses them, as it would against Linux.
    /// </remarks>
    public int Ipv4MaxDistance { get; init; } = 64;

    /// <summary>How frames are mapped to namespaces, which never mix fragments.</summary>
    /// <remarks>
    /// Defaults to <see cref="NamespaceSelector.None"/>: one namespace, fragments still keyed on their VLAN tag stack.
    /// Each namespace costs a few hundred bytes per worker plus its queues; a selector on VLAN allows at most 4096.
    /// </remarks>
    public NamespaceSelector NamespaceBy { get; init; } = NamespaceSelector.None;

    /// <summary>How many workers (threads that may process frames at once) the engine has.</summary>
    /// <remarks>
    /// Defaults to 1. Each worker keeps its own queues, buffers and counters in every namespace; more workers than
    /// cores only add memory. At most 256.
    /// </remarks>
    public int Workers { get; init; } = 1;

    internal void Validate()
    {
        if (Ipv4Timeout <= TimeSpan.Zero || Ipv6Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ReassemblyOptions), "Reassembly timeouts must be positive.");
        }

        if (Ipv4MaxDistance < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ReassemblyOptions), "Ipv4MaxDistance must be 0 (off) or positive.");
        }

        if (Workers is < 1 or > 256)
        {
            throw new ArgumentOutOfRangeException(nameof(ReassemblyOptions), "Workers must be between 1 and 256.");
        }

        if (!Enum.IsDefined(NamespaceBy))
        {
            throw new ArgumentOutOfRangeException(nameof(ReassemblyOptions), "NamespaceBy is not a known selector.");
        }

        ValidatePolicies();
        ValidateMemory();
        ValidateLowpan();
    }
}
