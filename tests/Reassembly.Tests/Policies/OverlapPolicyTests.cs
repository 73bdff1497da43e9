using System.Net;
using System.Text;
using Reassembly.Tests.Helpers;
using Xunit.Abstractions;

namespace Reassembly.Tests.Policies;

/// <summary>
/// The target-based overlap policies, byte for byte, once per family. The central case is the overlap pattern of
/// Novak's "Target-Based Fragmentation Reassembly", with the expected bytes of Suricata's unit tests
/// (OISF/suricata src/defrag.c, DefragSturgesNovak{Bsd,Linux,Windows,Solaris,First,Last}Test and their IPV6 twins).
/// </summary>
public abstract class OverlapPolicyTests
{
    private readonly ITestOutputHelper _output;

    protected OverlapPolicyTests(ITestOutputHelper output)
    {
        _output = output;
    }

    /// <summary>Novak's pattern as Suricata's DefragDoSturgesNovakTest sends it: nine originals, then seven overlapping, then Q (the last).</summary>
    private static readonly (char Letter, int Offset, int Length)[] NovakPattern =
    [
        ('A', 0, 24), ('B', 32, 16), ('C', 48, 24), ('D', 80, 8), ('E', 104, 16), ('F', 120, 24), ('G', 144, 16), ('H', 160, 16), ('I', 176, 8),
        ('J', 8, 32), ('K', 48, 24), ('L', 72, 24), ('M', 96, 24), ('N', 128, 8), ('O', 152, 8), ('P', 160, 8), ('Q', 176, 16),
    ];

    private protected abstract byte[] Fragment(byte[] data, int offset, bool more, uint id = 7);

    private protected abstract byte[] Whole(byte[] data);

    private protected abstract FamilyStatistics Family(ReassemblyStatistics statistics);

    private protected abstract ReassemblyOptions Options(OverlapPolicy policy, IAnomalySink? sink = null);

    [Theory]
    // Expected payloads, one letter per 8 bytes, from Suricata's DefragSturgesNovak*Test.
    [InlineData("bsd", "AAAJJBCCCLLLMMMFFFGGHHIQ")]
    [InlineData("linux", "AAAJJBKKKLLLMMMFFFGGPHQQ")]
    [InlineData("windows", "AAAJBBCCCLLLMEEFFFGGHHIQ")]
    [InlineData("solaris", "AAAJBBCCCLLLMMMFFFGGHHIQ")]
    [InlineData("first", "AAAJBBCCCLDLMEEFFFGGHHIQ")]
    [InlineData("last", "AJJJJBKKKLLLMMMFNFGOPHQQ")]
    // Suricata has no bsd-right (a "todo" in defrag.c); these bytes follow frag3's rule (spp_frag3.c, Frag3Insert:
    // "favor new fragments with lower/equal offset, EXCEPT when the existing fragment ends with at a higher/equal
    // offset"), worked by hand: J beats A's tail but not B, K beats C, L and M cover D and E, N, O and P lose to F, G
    // and H, Q beats I.
    [InlineData("bsd-right", "AJJJBBKKKLLLMMMFFFGGHHQQ")]
    public void TheNovakPatternReassemblesAsTheTargetHostWould(string policyName, string expectedBlocks)
    {
        Assert.True(OverlapPolicyNames.TryParse(policyName, out OverlapPolicy policy));
        var sink = new RecordingSink();
        var harness = new EngineHarness(Options(policy, sink));
        for (int i = 0; i < NovakPattern.Length; i++)
        {
            (char letter, int offset, int length) = NovakPattern[i];
            FrameDisposition disposition = harness.Feed(Fragment(Letters(letter, length), offset, more: i < NovakPattern.Length - 1));
            if (i < 9)
            {
                Assert.Equal(FrameDisposition.Held, disposition);
            }
        }

        byte[] expected = Encoding.ASCII.GetBytes(string.Concat(expectedBlocks.Select(c => new string(c, 8))));
        Assert.Equal(Whole(expected), Assert.Single(harness.Packets));
        Assert.Empty(sink.Events.FindAll(e => e.FrameIndex < 9));
        Assert.NotEmpty(sink.OfKind(AnomalyKind.Overlap));
        Assert.All(sink.Events, e => Assert.Equal(policy, e.Policy));
        Assert.Equal(0, Family(harness.Engine.GetStatistics()).ReasmFails);
    }

    [Fact]
    public void LinuxModernDropsTheNovakPatternAtTheFirstOverlap()
    {
        var sink = new RecordingSink();
        var harness = new EngineHarness(Options(OverlapPolicy.LinuxModern, sink));
        foreach ((char letter, int offset, int length) in NovakPattern)
        {
            harness.Feed(Fragment(Letters(letter, length), offset, more: letter != 'Q'));
        }

        Assert.Empty(harness.Packets);
        AnomalyEvent first = sink.OfKind(AnomalyKind.Overlap)[0];
        Assert.Equal((9L, 0L), (first.FrameIndex, first.OtherFrameIndex));
        Assert.Equal((8, 40), (first.FragmentOffset, first.FragmentEnd));
        // From A's tail to the run B and C form: the first to the last overlapped byte.
        Assert.Equal((8, 40), (first.OverlapStart, first.OverlapEnd));
        Assert.True(first.BytesDiffer);
        Assert.True(Family(harness.Engine.GetStatistics()).ReasmOverlaps >= 1);
    }

    [Theory]
    [InlineData(OverlapPolicy.First)]
    [InlineData(OverlapPolicy.Last)]
    public void RandomOverlapsKeepTheFirstOrLastBytesSentForEveryByte(OverlapPolicy policy)
    {
        // First and last are defined byte by byte, so a direct model checks them: every byte comes from the earliest
        // (first) or latest (last) fragment that covered it.
        int seed = Environment.TickCount;
        _output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        for (int round = 0; round < 100; round++)
        {
            int length = random.Next(8, 200) * 8;
            var model = new byte[length];
            var written = new bool[length];
            var harness = new EngineHarness(Options(policy));
            var fragments = new List<(int Offset, byte[] Data)>();
            for (int i = 0; i < random.Next(2, 12); i++)
            {
                int offset = random.Next(0, length / 8) * 8;
                int size = random.Next(1, ((length - offset) / 8) + 1) * 8;
                fragments.Add((offset, PacketBuilder.Payload(size, random.Next())));
            }

            // Then cover everything once more with fresh bytes, the last piece carrying the end.
            for (int offset = 0; offset < length; offset += 32)
            {
                fragments.Add((offset, PacketBuilder.Payload(Math.Min(32, length - offset), random.Next())));
            }

            for (int i = 0; i < fragments.Count; i++)
            {
                (int offset, byte[] data) = fragments[i];
                for (int b = 0; b < data.Length; b++)
                {
                    if (policy == OverlapPolicy.Last || !written[offset + b])
                    {
                        model[offset + b] = data[b];
                        written[offset + b] = true;
                    }
                }

                bool last = offset + data.Length == length;
                harness.Feed(Fragment(data, offset, more: !last || i != fragments.Count - 1));
                if (harness.Packets.Count > 0)
                {
                    break;
                }
            }

            Assert.True(harness.Packets.Count == 1, $"seed {seed} round {round}: not reassembled");
            Assert.True(Whole(model).AsSpan().SequenceEqual(harness.Packets[0]), $"seed {seed} round {round}: bytes differ from the model");
        }
    }

    [Fact]
    public void AnOverlapEventNamesBothFramesTheRangeAndWhetherTheBytesDiffer()
    {
        var sink = new RecordingSink();
        var harness = new EngineHarness(Options(OverlapPolicy.Bsd, sink));
        byte[] data = PacketBuilder.Payload(64);
        harness.Feed(Fragment(data[..32], 0, true));
        harness.Feed(Fragment(Letters('X', 16), 24, true));
        harness.Feed(Fragment(data[40..], 40, false));

        AnomalyEvent overlap = Assert.Single(sink.OfKind(AnomalyKind.Overlap));
        Assert.Equal((1L, 0L), (overlap.FrameIndex, overlap.OtherFrameIndex));
        Assert.Equal((24, 40), (overlap.FragmentOffset, overlap.FragmentEnd));
        Assert.Equal((24, 32), (overlap.OverlapStart, overlap.OverlapEnd));
        Assert.True(overlap.BytesDiffer);
        Assert.Equal(1, harness.Engine.GetStatistics().Anomalies[AnomalyKind.Overlap]);

        // BSD keeps the older bytes where the new fragment starts inside them.
        byte[] expected = [.. data[..32], .. Letters('X', 8), .. data[40..]];
        Assert.Equal(Whole(expected), Assert.Single(harness.Packets));
    }

    [Fact]
    public void AFragmentWhollyLostToHeldDataIsADuplicateUnderATargetPolicy()
    {
        var sink = new RecordingSink();
        var harness = new EngineHarness(Options(OverlapPolicy.First, sink));
        byte[] data = PacketBuilder.Payload(64);
        harness.Feed(Fragment(data[..32], 0, true));
        Assert.Equal(FrameDisposition.Dropped, harness.Feed(Fragment(data[8..16], 8, true)));
        Assert.Equal(FrameDisposition.Dropped, harness.Feed(Fragment(Letters('Z', 8), 16, true)));
        harness.Feed(Fragment(data[32..], 32, false));

        Assert.Single(sink.OfKind(AnomalyKind.Duplicate));
        Assert.True(Assert.Single(sink.OfKind(AnomalyKind.Overlap)).BytesDiffer);
        Assert.Equal(Whole(data), Assert.Single(harness.Packets));
    }

    [Fact]
    public void ALastFragmentWhollyHeldCompletesUnderATargetPolicyButNotUnderLinuxModern()
    {
        // Linux completes only after a successful insert, so a duplicate last fragment leaves the datagram waiting;
        // a target host (frag3's completion check) rebuilds as soon as everything is held.
        byte[] data = PacketBuilder.Payload(64);
        foreach (OverlapPolicy policy in new[] { OverlapPolicy.LinuxModern, OverlapPolicy.Solaris })
        {
            var sink = new RecordingSink();
            var harness = new EngineHarness(Options(policy, sink));
            harness.Feed(Fragment(data[..32], 0, true));
            harness.Feed(Fragment(data[32..], 32, true));
            FrameDisposition last = harness.Feed(Fragment(data[32..], 32, false));

            Assert.Equal(policy == OverlapPolicy.LinuxModern ? FrameDisposition.Dropped : FrameDisposition.Reassembled, last);
            Assert.Equal(AnomalyKind.Duplicate, Assert.Single(sink.Events).Kind);
        }
    }

    [Fact]
    public void ALastFragmentInsideHeldDataIsATeardropUnderEveryPolicy()
    {
        foreach (OverlapPolicy policy in Enum.GetValues<OverlapPolicy>())
        {
            var sink = new RecordingSink();
            var harness = new EngineHarness(Options(policy, sink));
            byte[] data = PacketBuilder.Payload(64);
            harness.Feed(Fragment(data[..48], 0, true));
            Assert.Equal(FrameDisposition.Dropped, harness.Feed(Fragment(data[24..28], 24, false)));

            Assert.Equal(policy, Assert.Single(sink.OfKind(AnomalyKind.Teardrop)).Policy);
            Assert.Equal(0, harness.Engine.QueuesInUse);
        }
    }

    [Fact]
    public void TheFragmentPastTheLimitDropsTheDatagram()
    {
        var sink = new RecordingSink();
        var options = new ReassemblyOptions { OverlapPolicy = OverlapPolicy.Last, MaxFragmentsPerDatagram = 3, AnomalySink = sink };
        var harness = new EngineHarness(options);
        byte[] data = PacketBuilder.Payload(32);
        harness.Feed(Fragment(data[..8], 0, true));
        harness.Feed(Fragment(data[..8], 0, true));
        harness.Feed(Fragment(data[..8], 0, true));
        Assert.Equal(FrameDisposition.Dropped, harness.Feed(Fragment(data[..8], 0, true)));

        Assert.Single(sink.OfKind(AnomalyKind.TooManyFragments));
        Assert.Equal(0, harness.Engine.QueuesInUse);
    }

    [Fact]
    public void TimeoutsAreReportedWithTheDatagramsAddressesAndId()
    {
        var sink = new RecordingSink();
        var harness = new EngineHarness(Options(OverlapPolicy.Windows, sink));
        harness.Feed(Fragment(PacketBuilder.Payload(16), 0, true, id: 42));
        harness.Engine.ExpireAll();

        AnomalyEvent timeout = Assert.Single(sink.OfKind(AnomalyKind.Timeout));
        Assert.Equal(42u, timeout.Identification);
        Assert.Equal(OverlapPolicy.Windows, timeout.Policy);
        Assert.Equal(-1, timeout.FrameIndex);
        Assert.Equal(ExpectedDestination, timeout.GetDestinationAddress());
        Assert.Equal(1, harness.Engine.GetStatistics().Anomalies[AnomalyKind.Timeout]);
    }

    private protected abstract IPAddress ExpectedDestination { get; }

    private static byte[] Letters(char letter, int count) => Encoding.ASCII.GetBytes(new string(letter, count));
}

public sealed class Ipv4OverlapPolicyTests : OverlapPolicyTests
{
    public Ipv4OverlapPolicyTests(ITestOutputHelper output)
        : base(output)
    {
    }

    private protected override IPAddress ExpectedDestination => new(PacketBuilder.Ipv4Destination);

    // ICMP, as Suricata's BuildTestPacket.
    private protected override byte[] Fragment(byte[] data, int offset, bool more, uint id = 7) =>
        PacketBuilder.Ethernet(0x0800, PacketBuilder.Ipv4(data, offset, more, (ushort)id, protocol: 1));

    private protected override byte[] Whole(byte[] data) => PacketBuilder.Ipv4Whole(data, 7, protocol: 1);

    private protected override FamilyStatistics Family(ReassemblyStatistics statistics) => statistics.Ipv4;

    private protected override ReassemblyOptions Options(OverlapPolicy policy, IAnomalySink? sink = null) =>
        new() { OverlapPolicy = policy, Ipv6OverlapPolicy = OverlapPolicy.LinuxModern, AnomalySink = sink };
}

public sealed class Ipv6OverlapPolicyTests : OverlapPolicyTests
{
    public Ipv6OverlapPolicyTests(ITestOutputHelper output)
        : base(output)
    {
    }

    private protected override IPAddress ExpectedDestination => new(PacketBuilder.Ipv6Destination);

    private protected override byte[] Fragment(byte[] data, int offset, bool more, uint id = 7) =>
        PacketBuilder.Ethernet(0x86DD, PacketBuilder.Ipv6Fragment(data, offset, more, id, upperProtocol: 58));

    private protected override byte[] Whole(byte[] data) => PacketBuilder.Ipv6Whole(data, upperProtocol: 58);

    private protected override FamilyStatistics Family(ReassemblyStatistics statistics) => statistics.Ipv6;

    // The IPv4 default stays linux-modern: the IPv6 override alone must carry the policy.
    private protected override ReassemblyOptions Options(OverlapPolicy policy, IAnomalySink? sink = null) =>
        new() { OverlapPolicy = OverlapPolicy.LinuxModern, Ipv6OverlapPolicy = policy, AnomalySink = sink };
}
