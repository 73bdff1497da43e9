using System.Net;
using Reassembly.Core;
using Reassembly.Lowpan;
using static Reassembly.Tests.Lowpan.LowpanFrames;

namespace Reassembly.Tests.Lowpan;

public sealed class IphcDecompressorTests
{
    private static readonly Address ShortSource = Address.Short(0x0001);
    private static readonly Address ExtendedDestination = Address.Extended(0x00005EEF10000002);

    private static readonly LowpanContextTable Contexts = new(new Dictionary<int, IPNetwork>
    {
        [0] = IPNetwork.Parse("2001:db8:1::/64"),
        [3] = IPNetwork.Parse("2001:db8:3:4:5:6::/96"),
    });

    public static TheoryData<string, string, int, int, bool, bool> AddressForms() => new()
    {
        // source, destination, SAM, DAM, SAC, DAC: each form with an address it can carry.
        { "2001:db8::1", "2001:db8::2", 0, 0, false, false },
        { "fe80::1122:3344:5566:7788", "fe80::99aa:bbcc:ddee:ff00", 1, 1, false, false },
        { "fe80::ff:fe00:1234", "fe80::ff:fe00:abcd", 2, 2, false, false },
        { "fe80::ff:fe00:1", "fe80::200:5eef:1000:2", 3, 3, false, false },
        { "::", "2001:db8:1::1", 0, 1, true, true },
        { "2001:db8:1::ff:fe00:1", "2001:db8:1::ff:fe00:77", 3, 2, true, true },
        { "ff02::1", "ff02::1", 0, 3, false, false },
        { "fe80::ff:fe00:1", "ff05::1:3", 3, 1, false, false },
        { "fe80::ff:fe00:1", "ff02::2:1234", 3, 2, false, false },
        { "fe80::ff:fe00:1", "ff0e::34:5678:9abc", 3, 1, false, false },
    };

    [Theory]
    [MemberData(nameof(AddressForms))]
    public void Decompress_rebuilds_the_packet_for_every_address_form(string source, string destination, int sam, int dam, bool sac, bool dac)
    {
        byte[] packet = Ipv6Udp(Address6(source), Address6(destination), 40001, 40000, Payload(20, 1));
        var compressed = Compress(packet, new Modes { Sam = sam, Dam = dam, Sac = sac, Dac = dac });

        Assert.Equal(packet, Decompress([.. compressed.Header, .. packet[compressed.Covers..]], ShortSource, ExtendedDestination));
    }

    [Fact]
    public void Decompress_lets_a_context_longer_than_64_bits_override_the_interface_id()
    {
        // Context 3 is a /96: its bits 64-95 replace those of the IID derived from the short address.
        byte[] packet = Ipv6Udp(Address6("2001:db8:3:4:5:6:fe00:1"), Address6("fe80::200:5eef:1000:2"), 1, 2, Payload(4, 2));
        var compressed = Compress(packet, new Modes { Sam = 3, Sac = true, SourceContext = 3 });

        Assert.Equal(packet, Decompress([.. compressed.Header, .. packet[compressed.Covers..]], ShortSource, ExtendedDestination));
    }

    [Fact]
    public void Decompress_rebuilds_a_unicast_prefix_based_multicast_address_from_its_context()
    {
        // RFC 3306: ff3e (flags, scope) and 0x40 (reserved, RIID) inline, the /64 prefix from context 0, the group ID inline.
        byte[] packet = Ipv6Udp(Address6("fe80::ff:fe00:1"), Address6("ff3e:40:2001:db8:1:0:1234:5678"), 1, 2, Payload(4, 3));
        var compressed = Compress(packet, new Modes { Dam = 0, Dac = true });

        Assert.Equal(packet, Decompress([.. compressed.Header, .. packet[compressed.Covers..]], ShortSource, ExtendedDestination));
    }

    [Theory]
    [InlineData(0, 0xB9, 0x12345)]
    [InlineData(1, 0x02, 0xABCDE)]
    [InlineData(2, 0xB8, 0)]
    [InlineData(3, 0, 0)]
    public void Decompress_rebuilds_traffic_class_and_flow_label_in_every_tf_form(int tf, byte trafficClass, int flowLabel)
    {
        byte[] packet = Ipv6Udp(Address6("fe80::ff:fe00:1"), Address6("fe80::200:5eef:1000:2"), 1, 2, Payload(4, 4), trafficClass, flowLabel, hopLimit: 9);
        var compressed = Compress(packet, new Modes { Tf = tf, HopLimit = 0 });

        Assert.Equal(packet, Decompress([.. compressed.Header, .. packet[compressed.Covers..]], ShortSource, ExtendedDestination));
    }

    [Theory]
    [InlineData(0, 40001, 40000, 1)]
    [InlineData(1, 40001, 0xF0AB, 64)]
    [InlineData(2, 0xF0CD, 5683, 255)]
    [InlineData(3, 0xF0B1, 0xF0BF, 64)]
    public void Decompress_rebuilds_the_udp_header_in_every_port_form(int ports, int sourcePort, int destinationPort, byte hopLimit)
    {
        byte[] packet = Ipv6Udp(Address6("fe80::ff:fe00:1"), Address6("fe80::200:5eef:1000:2"), (ushort)sourcePort, (ushort)destinationPort, Payload(33, 5), hopLimit: hopLimit);
        int hopLimitMode = hopLimit switch { 1 => 1, 64 => 2, _ => 3 };
        var compressed = Compress(packet, new Modes { Ports = ports, HopLimit = hopLimitMode });

        Assert.Equal(packet, Decompress([.. compressed.Header, .. packet[compressed.Covers..]], ShortSource, ExtendedDestination));
    }

    [Fact]
    public void Decompress_leaves_an_elided_checksum_to_be_computed_and_fill_checksum_computes_it()
    {
        byte[] packet = Ipv6Udp(Address6("fe80::ff:fe00:1"), Address6("fe80::200:5eef:1000:2"), 7, 9, Payload(57, 6));
        var compressed = Compress(packet, new Modes { ElideChecksum = true });
        byte[] input = [.. compressed.Header, .. packet[compressed.Covers..]];
        byte[] header = new byte[IphcDecompressor.MaximumHeaderLength];

        LowpanDecodeStatus status = IphcDecompressor.Decompress(input, Key(ShortSource, ExtendedDestination), Contexts, 0, header, out int consumed, out int written, out bool elided);

        Assert.Equal(LowpanDecodeStatus.Ok, status);
        Assert.True(elided);
        byte[] rebuilt = [.. header.AsSpan(0, written), .. input[consumed..]];
        NhcUdp.FillChecksum(rebuilt);
        Assert.Equal(packet, rebuilt);
    }

    [Fact]
    public void Decompress_takes_the_payload_length_from_datagram_size_in_a_first_fragment()
    {
        byte[] packet = Ipv6Udp(Address6("fe80::ff:fe00:1"), Address6("fe80::200:5eef:1000:2"), 7, 9, Payload(300, 7));
        var compressed = Compress(packet, new Modes());
        byte[] header = new byte[IphcDecompressor.MaximumHeaderLength];

        // Only 10 payload octets follow the header here: the rest would come in FRAGNs.
        byte[] input = [.. compressed.Header, .. packet[48..58]];
        Assert.Equal(LowpanDecodeStatus.Ok, IphcDecompressor.Decompress(input, Key(ShortSource, ExtendedDestination), Contexts, packet.Length, header, out _, out int written, out _));

        Assert.Equal(packet[..48], header[..written]);
    }

    [Theory]
    [InlineData(1, false, false, 0, 0)] // SAC=1 with context 5, not configured
    [InlineData(0, true, false, 0, 0)]  // DAC=1 with context 5, not configured
    [InlineData(0, false, true, 0, 0)]  // DAC=1, DAM=00 unicast: reserved
    [InlineData(0, false, false, 1, 0)] // NHC for an IPv6 extension header
    [InlineData(0, false, false, 0, 1)] // elided address without a link-layer address
    public void Decompress_calls_what_it_does_not_implement_unsupported(int sacContext, bool dacContext, bool reservedDam, int extensionNhc, int noLinkAddress)
    {
        byte[] packet = Ipv6Udp(Address6("2001:db8:5::ff:fe00:1"), Address6("2001:db8:5::2"), 1, 2, Payload(4, 8));
        var modes = new Modes
        {
            Sac = sacContext == 1,
            Sam = sacContext == 1 ? 3 : 0,
            SourceContext = sacContext == 1 || dacContext ? 5 : 0,
            DestinationContext = dacContext ? 5 : 0,
            Dac = dacContext || reservedDam,
            Dam = dacContext ? 1 : noLinkAddress == 1 ? 3 : 0,
        };
        byte[] input = [.. Compress(packet, modes).Header, .. packet[48..]];
        if (extensionNhc == 1)
        {
            input[Array.IndexOf(input, (byte)0xF0, 2)] = 0xE0;
        }

        Address source = noLinkAddress == 1 ? Address.None : ShortSource;
        Address destination = noLinkAddress == 1 ? Address.None : ExtendedDestination;
        byte[] header = new byte[IphcDecompressor.MaximumHeaderLength];

        Assert.Equal(LowpanDecodeStatus.Unsupported, IphcDecompressor.Decompress(input, Key(source, destination), Contexts, 0, header, out _, out _, out _));
    }

    [Fact]
    public void Decompress_reports_every_truncation_of_a_header_as_malformed_without_throwing()
    {
        byte[] packet = Ipv6Udp(Address6("2001:db8::1"), Address6("ff02::1:2:3"), 40001, 40000, [], 0xB9, 0x12345, 3);
        var compressed = Compress(packet, new Modes { Tf = 0, HopLimit = 0, Sam = 0, Dam = 1, Ports = 0 });
        byte[] header = new byte[IphcDecompressor.MaximumHeaderLength];

        for (int length = 0; length < compressed.Header.Length; length++)
        {
            LowpanDecodeStatus status = IphcDecompressor.Decompress(compressed.Header.AsSpan(0, length), Key(ShortSource, ExtendedDestination), Contexts, 0, header, out _, out _, out _);
            Assert.True(status == LowpanDecodeStatus.Malformed, $"a header cut to {length} of {compressed.Header.Length} octets gave {status}");
        }

        Assert.Equal(LowpanDecodeStatus.Ok, IphcDecompressor.Decompress(compressed.Header, Key(ShortSource, ExtendedDestination), Contexts, 0, header, out int consumed, out _, out _));
        Assert.Equal(compressed.Header.Length, consumed);
    }

    private static FragmentKey Key(Address source, Address destination) =>
        FragmentKey.ForLowpan(ToAddress(source), ToAddress(destination), 0, 0);

    private static Ieee802154Address ToAddress(Address address) =>
        new((Ieee802154AddressMode)address.Mode, address.Mode == 0 ? (ushort)0 : Pan, address.Value);

    private static byte[] Decompress(byte[] input, Address source, Address destination)
    {
        byte[] header = new byte[IphcDecompressor.MaximumHeaderLength];
        LowpanDecodeStatus status = IphcDecompressor.Decompress(input, Key(source, destination), Contexts, 0, header, out int consumed, out int written, out bool elided);
        Assert.Equal(LowpanDecodeStatus.Ok, status);
        Assert.False(elided);
        return [.. header.AsSpan(0, written), .. input[consumed..]];
    }
}
