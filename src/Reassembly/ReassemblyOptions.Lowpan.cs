using System.Collections.Generic;
using System.Net;
using Reassembly.Lowpan;

namespace Reassembly;

// 6LoWPAN settings (issue 7).
public sealed partial class ReassemblyOptions
{
    /// <summary>How long an incomplete 6LoWPAN datagram is kept, in packet time.</summary>
    /// <remarks>
    /// Defaults to 60 seconds, the upper bound RFC 4944 section 5.3 sets ("a reassembly timeout of at most 60 seconds")
    /// and Linux's <c>net.ieee802154.6lowpan.6lowpanfrag_time</c>.
    /// </remarks>
    public TimeSpan LowpanTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The 6LoWPAN header compression contexts (RFC 6282 section 3.1.2), by context id (0-15): the prefixes that stateful
    /// address compression (SAC/DAC = 1) stands for. A network distributes them by RFC 6775 neighbour discovery, which a
    /// capture seldom holds, so they are given here.
    /// </summary>
    /// <remarks>
    /// Defaults to none. A packet that refers to a context not listed is counted as unsupported and passed through, never
    /// decompressed with a guessed prefix.
    /// </remarks>
    public IReadOnlyDictionary<int, IPNetwork> LowpanContexts { get; init; } = new Dictionary<int, IPNetwork>();

    private void ValidateLowpan()
    {
        if (LowpanTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ReassemblyOptions), "LowpanTimeout must be positive.");
        }

        LowpanContextTable.Validate(LowpanContexts);
    }
}
