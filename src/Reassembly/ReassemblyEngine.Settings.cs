using Reassembly.Memory;
using Reassembly.Policies;
using Reassembly.Settings;

namespace Reassembly;

// Live reconfiguration (issue 8): the settings a running engine may change, published RCU-style.
public sealed partial class ReassemblyEngine
{
    private readonly SettingsCell _settings;

    /// <summary>
    /// Replaces the overlap policies (<see cref="ReassemblyOptions.OverlapPolicy"/>, <see cref="ReassemblyOptions.Ipv6OverlapPolicy"/>,
    /// <see cref="ReassemblyOptions.PolicyRoutes"/>, <see cref="ReassemblyOptions.NamespacePolicies"/>), the timeouts
    /// (<see cref="ReassemblyOptions.Ipv4Timeout"/>, <see cref="ReassemblyOptions.Ipv6Timeout"/>,
    /// <see cref="ReassemblyOptions.LowpanTimeout"/>) and the memory limits (<see cref="ReassemblyOptions.MemoryHighThresholdBytes"/>,
    /// <see cref="ReassemblyOptions.MemoryLowThresholdBytes"/>, <see cref="ReassemblyOptions.MemoryGlobalLimitBytes"/>,
    /// <see cref="ReassemblyOptions.MemoryMode"/>) while frames are processed.
    /// Safe on any thread, at any time, without stopping the workers: the new settings are built aside and published with
    /// one reference swap.
    /// </summary>
    /// <remarks>
    /// A datagram takes its policy and its deadline from the settings current when its first fragment arrives and keeps
    /// them: datagrams in flight finish under the old settings, datagrams started after the call returns use the new.
    /// Memory limits apply to what is already held: the next charge or refusal check compares usage with the new
    /// thresholds (lowered thresholds make the next growing worker evict down to them).
    /// The other options (workers, namespace selector, IP-ID distance, sink, fragment limit) are fixed at creation and are
    /// ignored here. Concurrent calls are not ordered against each other: the last to publish wins.
    /// </remarks>
    /// <param name="options">The new settings.</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range (nothing is changed then).</exception>
    public void UpdateSettings(ReassemblyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        MemoryLimits limits = options.ToMemoryLimits();
        limits.Validate();
        _settings.Publish(SettingsSnapshot.From(new PolicyTable(options, withNamespacePolicies: true), options));
        _memory.UpdateLimits(limits);
    }
}
