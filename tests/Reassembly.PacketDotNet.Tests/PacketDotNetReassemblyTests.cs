using System.Net;
using System.Net.NetworkInformation;
using PacketDotNet;

namespace Reassembly.Interop.Tests;

public sealed class PacketDotNetReassemblyTests
{
    private static readonly IPAddress Source = IPAddress.Parse("192.0.2.10");
    private static readonly IPAddress Destination = IPAddress.Parse("198.51.100.20");
    private static readonly PhysicalAddress SourceMac = PhysicalAddress.Parse("02-00-00-00-00-01");
    private static readonly PhysicalAddress DestinationMac = PhysicalAddress.Parse("02-00-00-00-00-02");

    [Fact]
    public void Fragments_built_with_PacketDotNet_come_back_as_one_PacketDotNet_UDP_datagram()
    {
        byte[] payload = Payload(4000, seed: 1);
        List<Packet> fragments = Fragment(Udp(payload, 5353, 53), id: 0x4242, pieceSize: 1480, ethernet: true);
        using var reassembler = Reassembler.Create();

        var statuses = new List<ReassemblyStatus>();
        PacketReassemblyResult last = default;
        foreach (Packet fragment in fragments)
        {
            last = reassembler.Process(fragment, 1_000_000);
            statuses.Add(last.Status);
        }

        Assert.All(statuses[..^1], s => Assert.Equal(ReassemblyStatus.Held, s));
        Assert.Equal(ReassemblyStatus.Reassembled, last.Status);
        EthernetPacket ethernet = Assert.IsType<EthernetPacket>(last.Packet);
        Assert.Equal(SourceMac, ethernet.SourceHardwareAddress);
        IPv4Packet ip = ethernet.Extract<IPv4Packet>();
        Assert.Equal(20 + 8 + payload.Length, ip.TotalLength);
        Assert.Equal(0, ip.FragmentOffset);
        Assert.Equal(0, ip.FragmentFlags & 1);
        Assert.True(ip.ValidIPChecksum);
        UdpPacket udp = ip.Extract<UdpPacket>();
        Assert.Equal(5353, udp.SourcePort);
        Assert.Equal(53, udp.DestinationPort);
        Assert.Equal(payload, udp.PayloadData);
        Assert.Equal(1_000_000, last.TimestampNanoseconds);
    }

    [Fact]
    public void A_raw_IP_capture_is_reassembled_behind_no_link_header_given_the_link_layer()
    {
        byte[] payload = Payload(2500, seed: 2);
        List<Packet> fragments = Fragment(Udp(payload, 1000, 2000), id: 7, pieceSize: 1000, ethernet: false);
        using var reassembler = Reassembler.Create();

        PacketReassemblyResult last = default;
        foreach (Packet fragment in Enumerable.Reverse(fragments))
        {
            // As a raw capture reads them: parsed from bytes under LINKTYPE_RAW.
            last = reassembler.Process(Packet.ParsePacket(LinkLayers.Raw, fragment.Bytes), LinkLayers.Raw, 5);
        }

        Assert.Equal(ReassemblyStatus.Reassembled, last.Status);
        Assert.Equal(payload, last.Packet!.Extract<UdpPacket>().PayloadData);
        Assert.Equal(0, reassembler.QueuesInUse);
    }

    [Fact]
    public void A_whole_packet_passes_through_and_yields_no_packet()
    {
        using var reassembler = Reassembler.Create();
        var ethernet = new EthernetPacket(SourceMac, DestinationMac, EthernetType.IPv4) { PayloadPacket = Udp(Payload(100, 3), 1, 2) };
        ethernet.UpdateCalculatedValues();

        PacketReassemblyResult result = reassembler.Process(ethernet, new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc));

        Assert.Equal(ReassemblyStatus.PassedThrough, result.Status);
        Assert.Null(result.Packet);
        Assert.Equal(1, reassembler.GetStatistics().Ipv4.NotFragmented);
    }

    [Fact]
    public void ToPacket_copies_a_datagram_from_the_core_API_which_its_owner_still_disposes()
    {
        List<Packet> fragments = Fragment(Udp(Payload(3000, 4), 9, 10), id: 9, pieceSize: 1480, ethernet: true);
        using var reassembler = Reassembler.Create();
        ReassemblyResult result = default;
        foreach (Packet fragment in fragments)
        {
            result = reassembler.Process(fragment.Bytes, LinkType.Ethernet, 1);
        }

        Packet packet;
        using (result)
        {
            packet = result.Datagram!.ToPacket();
        }

        Assert.Throws<ObjectDisposedException>(() => result.Datagram);
        Assert.Equal(3000, packet.Extract<UdpPacket>().PayloadData.Length);
    }

    [Fact]
    public void IPv6_fragments_parsed_by_PacketDotNet_come_back_as_one_IPv6_UDP_packet_without_a_Fragment_header()
    {
        byte[] payload = Payload(3000, seed: 6);
        byte[] udp = new byte[8 + payload.Length];
        udp[0] = 0x13;
        udp[1] = 0x88;
        udp[3] = 53;
        udp[4] = (byte)(udp.Length >> 8);
        udp[5] = (byte)udp.Length;
        payload.CopyTo(udp, 8);
        using var reassembler = Reassembler.Create();

        PacketReassemblyResult last = default;
        for (int offset = 0; offset < udp.Length; offset += 1232)
        {
            int length = Math.Min(1232, udp.Length - offset);
            byte[] frame = Ipv6FragmentFrame(udp.AsSpan(offset, length), offset, offset + length < udp.Length, 0xCAFE);
            last = reassembler.Process(Packet.ParsePacket(LinkLayers.Ethernet, frame), 7);
        }

        Assert.Equal(ReassemblyStatus.Reassembled, last.Status);
        IPv6Packet ip = last.Packet!.Extract<IPv6Packet>();
        Assert.Equal(ProtocolType.Udp, ip.NextHeader);
        Assert.Equal(udp.Length, ip.PayloadLength);
        UdpPacket reassembled = ip.Extract<UdpPacket>();
        Assert.Equal(5000, reassembled.SourcePort);
        Assert.Equal(payload, reassembled.PayloadData);
    }

    [Theory]
    [InlineData(LinkLayers.Null, LinkType.Null)]
    [InlineData(LinkLayers.Ethernet, LinkType.Ethernet)]
    [InlineData(LinkLayers.Raw, LinkType.Raw)]
    [InlineData(LinkLayers.Loop, LinkType.Loop)]
    [InlineData(LinkLayers.LinuxSll, LinkType.LinuxSll)]
    [InlineData(LinkLayers.IPv4, LinkType.Ipv4)]
    [InlineData(LinkLayers.IPv6, LinkType.Ipv6)]
    [InlineData(LinkLayers.LinuxSll2, LinkType.LinuxSll2)]
    public void Link_layers_map_to_the_link_type_of_the_same_LINKTYPE_number_and_back(LinkLayers linkLayer, LinkType linkType)
    {
        Assert.Equal(linkType, linkLayer.ToLinkType());
        Assert.Equal(linkLayer, linkType.ToLinkLayers());
    }

    [Fact]
    public void A_packet_type_that_names_no_link_layer_needs_it_given()
    {
        using var reassembler = Reassembler.Create();
        UdpPacket udp = Udp(Payload(10, 5), 1, 2).Extract<UdpPacket>();

        Assert.Throws<ArgumentException>(() => reassembler.Process(udp, 1L));
    }

    private static IPv4Packet Udp(byte[] payload, ushort sourcePort, ushort destinationPort)
    {
        var udp = new UdpPacket(sourcePort, destinationPort) { PayloadData = payload };
        var ip = new IPv4Packet(Source, Destination) { PayloadPacket = udp, TimeToLive = 64 };
        udp.UpdateUdpChecksum();
        ip.UpdateCalculatedValues();
        ip.UpdateIPChecksum();
        return ip;
    }

    /// <summary>Cuts a datagram's IP payload into fragments of <paramref name="pieceSize"/> bytes (a multiple of 8), each a PacketDotNet packet.</summary>
    private static List<Packet> Fragment(IPv4Packet datagram, ushort id, int pieceSize, bool ethernet)
    {
        byte[] ipPayload = datagram.PayloadPacket.Bytes;
        var fragments = new List<Packet>();
        for (int offset = 0; offset < ipPayload.Length; offset += pieceSize)
        {
            int length = Math.Min(pieceSize, ipPayload.Length - offset);
            var fragment = new IPv4Packet(Source, Destination)
            {
                Protocol = ProtocolType.Udp,
                Id = id,
                TimeToLive = 64,
                FragmentOffset = offset / 8,
                FragmentFlags = offset + length < ipPayload.Length ? 1 : 0,
                PayloadData = ipPayload.AsSpan(offset, length).ToArray(),
            };
            fragment.UpdateCalculatedValues();
            fragment.UpdateIPChecksum();
            Packet packet = fragment;
            if (ethernet)
            {
                packet = new EthernetPacket(SourceMac, DestinationMac, EthernetType.IPv4) { PayloadPacket = fragment };
            }

            fragments.Add(Packet.ParsePacket(ethernet ? LinkLayers.Ethernet : LinkLayers.Raw, packet.Bytes));
        }

        return fragments;
    }

    /// <summary>Ethernet, IPv6 (2001:db8::1 → 2001:db8::2), a Fragment header and a piece of the UDP datagram, by hand.</summary>
    private static byte[] Ipv6FragmentFrame(ReadOnlySpan<byte> piece, int offset, bool more, uint id)
    {
        var frame = new byte[14 + 40 + 8 + piece.Length];
        SourceMac.GetAddressBytes().CopyTo(frame, 6);
        DestinationMac.GetAddressBytes().CopyTo(frame, 0);
        frame[12] = 0x86;
        frame[13] = 0xDD;
        Span<byte> ip = frame.AsSpan(14);
        ip[0] = 0x60;
        ip[4] = (byte)((8 + piece.Length) >> 8);
        ip[5] = (byte)(8 + piece.Length);
        ip[6] = 44;
        ip[7] = 64;
        IPAddress.Parse("2001:db8::1").GetAddressBytes().CopyTo(ip[8..]);
        IPAddress.Parse("2001:db8::2").GetAddressBytes().CopyTo(ip[24..]);
        ip[40] = 17;
        ushort offsetField = (ushort)(offset | (more ? 1 : 0));
        ip[42] = (byte)(offsetField >> 8);
        ip[43] = (byte)offsetField;
        ip[44] = (byte)(id >> 24);
        ip[45] = (byte)(id >> 16);
        ip[46] = (byte)(id >> 8);
        ip[47] = (byte)id;
        piece.CopyTo(ip[48..]);
        return frame;
    }

    private static byte[] Payload(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
