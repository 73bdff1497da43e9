using Reassembly.Policies;

namespace Reassembly.Settings;

/// <summary>
/// The engine settings that may change while frames flow (<see cref="ReassemblyEngine.UpdateSettings"/>): overlap
/// policies (defaults, CIDR routes, per-namespace) and timeouts (IPv4, IPv6, 6LoWPAN). Immutable: a change is a new snapshot, published
/// whole through a <see cref="SettingsCell"/>, so a reader sees the old settings or the new, never a mix.
/// </summary>
/// <remarks>
/// A datagram takes what it needs from one snapshot when its first fragment arrives (its policy and its deadline) and
/// keeps it, so a datagram in flight during a change is reassembled entirely under the settings it started with.
/// Memory limits change through the same call but live beside it, in the engine's <c>MemoryAccountant</c>
/// (<c>UpdateLimits</c>, the same reference swap), because they apply to what is already held, not per datagram.
/// </remarks>
internal sealed class SettingsSnapshot
{
    public SettingsSnapshot(PolicyTable policies, TimeSpan ipv4Timeout, TimeSpan ipv6Timeout, TimeSpan lowpanTimeout)
    {
        Policies = policies;
        Ipv4TimeoutNanoseconds = ipv4Timeout.Ticks * 100;
        Ipv6TimeoutNanoseconds = ipv6Timeout.Ticks * 100;
        LowpanTimeoutNanoseconds = lowpanTimeout.Ticks * 100;
    }

    /// <summary>The snapshot of <paramref name="options"/>' changeable settings, with <paramref name="policies"/> built from them.</summary>
    public static SettingsSnapshot From(PolicyTable policies, ReassemblyOptions options) =>
        new(policies, options.Ipv4Timeout, options.Ipv6Timeout, options.LowpanTimeout);

    public PolicyTable Policies { get; }

    public long Ipv4TimeoutNanoseconds { get; }

    public long Ipv6TimeoutNanoseconds { get; }

    public long LowpanTimeoutNanoseconds { get; }

    public long TimeoutNanoseconds(IpFamily family) => family switch
    {
        IpFamily.Ipv4 => Ipv4TimeoutNanoseconds,
        IpFamily.Lowpan => LowpanTimeoutNanoseconds,
        _ => Ipv6TimeoutNanoseconds,
    };
}
