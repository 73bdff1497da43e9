using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Reassembly.Capture;

namespace Reassembly.Host.Replay;

/// <summary>
/// <c>replay --compare-policies</c>: the capture goes through one engine per overlap policy at once, and every
/// datagram whose reassembled bytes differ between policies is reported: which hosts would see what, the evasion an
/// attacker aims at. A datagram is identified by family, addresses, identification (and the IPv4 protocol); the
/// outcomes of one identity under a policy are the datagrams rebuilt for it, in order, by content hash.
/// </summary>
/// <remarks>
/// Analysis mode, not the hot path: each frame costs one engine pass per policy and results are kept per identity
/// until the end. The engines share the command line's timeouts and limits; routes and the IPv6 override do not
/// apply, each engine using its one policy for everything.
/// </remarks>
internal sealed class PolicyComparison
{
    private readonly ReassemblyEngine[] _engines;
    private readonly OverlapPolicy[] _policies = Enum.GetValues<OverlapPolicy>();
    private readonly Dictionary<Identity, List<Outcome>[]> _outcomes = [];
    private readonly List<Identity> _order = [];
    private long _frameIndex = -1;

    public PolicyComparison(ReassemblyOptions options)
    {
        _engines = new ReassemblyEngine[_policies.Length];
        for (int i = 0; i < _policies.Length; i++)
        {
            _engines[i] = ReassemblyEngine.Create(new ReassemblyOptions
            {
                Ipv4Timeout = options.Ipv4Timeout,
                Ipv6Timeout = options.Ipv6Timeout,
                LowpanTimeout = options.LowpanTimeout,
                LowpanContexts = options.LowpanContexts,
                MaxFragmentsPerDatagram = options.MaxFragmentsPerDatagram,
                MemoryHighThresholdBytes = options.MemoryHighThresholdBytes,
                MemoryLowThresholdBytes = options.MemoryLowThresholdBytes,
                MemoryGlobalLimitBytes = options.MemoryGlobalLimitBytes,
                MemoryMode = options.MemoryMode,
                NamespaceBy = options.NamespaceBy,
                OverlapPolicy = _policies[i],

                // The replay's own engine publishes the metrics; these would count every frame again.
                PublishMetrics = false,
            });
        }
    }

    /// <summary>The identities whose outcomes differ between policies, in order of first completion.</summary>
    public List<Divergence> Divergences { get; } = [];

    /// <summary>How many datagram identities any policy rebuilt.</summary>
    public int Compared => _order.Count;

    public void OnFrame(in CaptureFrame frame)
    {
        _frameIndex++;
        for (int i = 0; i < _engines.Length; i++)
        {
            FrameResult result = _engines[i].Process(frame.Data, frame.LinkType, frame.TimestampNanoseconds, frame.InterfaceId);
            if (result.Datagram is { } datagram)
            {
                using (datagram)
                {
                    // A decompressed whole 6LoWPAN packet was never in a queue: no policy could rebuild it otherwise.
                    if (result.Disposition == FrameDisposition.Reassembled)
                    {
                        Record(i, datagram);
                    }
                }
            }
        }
    }

    /// <summary>The end of the input: finds the divergences.</summary>
    public void Finish()
    {
        foreach (ReassemblyEngine engine in _engines)
        {
            engine.ExpireAll();
        }

        foreach (Identity identity in _order)
        {
            List<Outcome>[] outcomes = _outcomes[identity];
            List<List<OverlapPolicy>> groups = Group(outcomes);
            if (groups.Count > 1)
            {
                Divergences.Add(new Divergence(identity, outcomes, groups));
            }
        }
    }

    /// <summary>Writes one <c>policy-divergence</c> record per divergence to the events output.</summary>
    public void WriteEvents(AnomalyJsonLinesWriter events)
    {
        foreach (Divergence divergence in Divergences)
        {
            events.WriteRecord(json =>
            {
                Identity identity = divergence.Identity;
                json.WriteString("kind", "policy-divergence");
                json.WriteString("family", identity.Family);
                json.WriteString("src", identity.Source);
                json.WriteString("dst", identity.Destination);
                json.WriteNumber("id", identity.Id);
                json.WriteStartObject("outcomes");
                for (int i = 0; i < _policies.Length; i++)
                {
                    json.WriteStartArray(OverlapPolicyNames.ToName(_policies[i]));
                    foreach (Outcome outcome in divergence.Outcomes[i])
                    {
                        json.WriteStartObject();
                        json.WriteNumber("frame_index", outcome.FrameIndex);
                        json.WriteNumber("length", outcome.Length);
                        json.WriteString("sha256", outcome.Hash);
                        json.WriteEndObject();
                    }

                    json.WriteEndArray();
                }

                json.WriteEndObject();
                json.WriteStartArray("groups");
                foreach (List<OverlapPolicy> group in divergence.Groups)
                {
                    json.WriteStartArray();
                    foreach (OverlapPolicy policy in group)
                    {
                        json.WriteStringValue(OverlapPolicyNames.ToName(policy));
                    }

                    json.WriteEndArray();
                }

                json.WriteEndArray();
            });
        }
    }

    /// <summary>The stderr summary: a count, then one line per divergence with the policies that agree grouped.</summary>
    public void WriteSummary(TextWriter errors)
    {
        errors.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"  policy comparison: {Divergences.Count} of {Compared} reassembled datagrams differ between policies"));
        foreach (Divergence divergence in Divergences)
        {
            var parts = new List<string>();
            foreach (List<OverlapPolicy> group in divergence.Groups)
            {
                List<Outcome> outcome = divergence.Outcomes[(int)group[0]];
                string what = outcome.Count == 0 ? "nothing" : string.Join("+", outcome.Select(o => o.Hash[..8]));
                parts.Add($"{string.Join("=", group.Select(OverlapPolicyNames.ToName))}: {what}");
            }

            errors.WriteLine($"    {divergence.Identity}: {string.Join(" | ", parts)}");
        }
    }

    private void Record(int policyIndex, ReassembledDatagram datagram)
    {
        Identity identity = Identify(datagram);
        if (!_outcomes.TryGetValue(identity, out List<Outcome>[]? outcomes))
        {
            outcomes = new List<Outcome>[_policies.Length];
            for (int i = 0; i < outcomes.Length; i++)
            {
                outcomes[i] = [];
            }

            _outcomes.Add(identity, outcomes);
            _order.Add(identity);
        }

        ReadOnlySpan<byte> packet = datagram.Packet;
        outcomes[policyIndex].Add(new Outcome(_frameIndex, packet.Length, Convert.ToHexString(SHA256.HashData(packet)).ToLowerInvariant()));
    }

    private static Identity Identify(ReassembledDatagram datagram)
    {
        ReadOnlySpan<byte> packet = datagram.Packet;
        return datagram.Family == IpFamily.Ipv4
            ? new Identity("ipv4", new IPAddress(packet.Slice(12, 4)).ToString(), new IPAddress(packet.Slice(16, 4)).ToString(), BinaryPrimitives.ReadUInt16BigEndian(packet.Slice(4)), packet[9])
            : new Identity("ipv6", new IPAddress(packet.Slice(8, 16)).ToString(), new IPAddress(packet.Slice(24, 16)).ToString(), datagram.Identification, -1);
    }

    private List<List<OverlapPolicy>> Group(List<Outcome>[] outcomes)
    {
        var groups = new List<List<OverlapPolicy>>();
        for (int i = 0; i < _policies.Length; i++)
        {
            List<OverlapPolicy>? same = groups.Find(g => SameHashes(outcomes[(int)g[0]], outcomes[i]));
            if (same is null)
            {
                groups.Add([_policies[i]]);
            }
            else
            {
                same.Add(_policies[i]);
            }
        }

        return groups;
    }

    private static bool SameHashes(List<Outcome> a, List<Outcome> b) =>
        a.Count == b.Count && a.Zip(b).All(pair => pair.First.Hash == pair.Second.Hash);

    /// <summary>One datagram rebuilt under one policy: when, how long, and its SHA-256.</summary>
    internal readonly record struct Outcome(long FrameIndex, int Length, string Hash);

    /// <summary>What names a datagram across engines (the IPv4 protocol is part of its key; -1 for IPv6).</summary>
    internal readonly record struct Identity(string Family, string Source, string Destination, uint Id, int Protocol)
    {
        public override string ToString() => string.Create(
            CultureInfo.InvariantCulture,
            $"{Family} {Source} > {Destination} id {Id}{(Protocol >= 0 ? $" proto {Protocol}" : string.Empty)}");
    }

    /// <summary>An identity whose outcomes differ, with the policies grouped by identical outcome.</summary>
    internal sealed record Divergence(Identity Identity, List<Outcome>[] Outcomes, List<List<OverlapPolicy>> Groups);
}
