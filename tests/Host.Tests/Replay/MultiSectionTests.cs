using System.Buffers.Binary;
using Reassembly.Host.Tests.Helpers;

namespace Reassembly.Host.Tests.Replay;

/// <summary>
/// A pcapng file may hold several sections (captures concatenated with <c>cat</c>, or mergecap's output), each
/// numbering its interfaces from 0 again. The replay must keep the second section's interface 0 apart from the first's.
/// </summary>
public sealed class MultiSectionTests
{
    private const ushort LinkEthernet = 1;
    private const ushort LinkRawIpv4 = 228;

    [Fact]
    public void A_second_sections_interface_0_becomes_a_new_output_interface_with_its_own_link_type()
    {
        using var temp = new TempDirectory();
        string input = temp.File("two-sections.pcapng");
        string output = temp.File("out.pcapng");
        byte[] payload = new byte[24];
        for (int i = 0; i < payload.Length; i++)
        {
            payload[i] = (byte)(0xA0 + i);
        }

        byte[] ethernetHeader = [0, 0, 0x5e, 0, 0x53, 2, 0, 0, 0x5e, 0, 0x53, 1, 0x08, 0x00];
        byte[] first = [.. ethernetHeader, .. Ipv4(identification: 0x5001, offsetUnits: 0, moreFragments: true, payload.AsSpan(0, 16))];
        byte[] last = [.. ethernetHeader, .. Ipv4(identification: 0x5001, offsetUnits: 2, moreFragments: false, payload.AsSpan(16))];
        byte[] whole = Ipv4(identification: 0x5002, offsetUnits: 0, moreFragments: false, payload);
        var file = new MemoryStream();
        WriteSection(file, bigEndian: false, LinkEthernet, "eth0", [(1_000_000UL, first), (2_000_000UL, last)]);
        WriteSection(file, bigEndian: true, LinkRawIpv4, "tun0", [(3_000_000UL, whole)]);
        File.WriteAllBytes(input, file.ToArray());

        ProcessRunner.Result replay = ProcessRunner.Reassembly("replay", input, "-o", output, "-q");

        Assert.True(replay.ExitCode == 0, replay.StandardError);
        List<CapturedFrames.Frame> frames = CapturedFrames.Read(output);
        Assert.Equal(2, frames.Count);
        Assert.Equal(0, frames[0].InterfaceId);
        Assert.Equal(LinkType.Ethernet, frames[0].LinkType);
        Assert.Equal([.. ethernetHeader, .. Ipv4(identification: 0x5001, offsetUnits: 0, moreFragments: false, payload)], frames[0].Data);
        Assert.Equal(1, frames[1].InterfaceId);
        Assert.Equal((LinkType)LinkRawIpv4, frames[1].LinkType);
        Assert.Equal(whole, frames[1].Data);
        Assert.Equal(3_000_000_000L, frames[1].TimestampNanoseconds);

        string? tshark = ProcessRunner.Which("tshark");
        Assert.True(tshark is not null, "tshark is not installed: run .ci/run (it installs it) or apt-get install tshark");
        ProcessRunner.Result read = ProcessRunner.Run(tshark!, ["-r", output, "-T", "fields", "-e", "ip.id", "-e", "ip.len"]);
        Assert.True(read.ExitCode == 0, read.StandardError);
        Assert.Equal(["0x5001\t44", "0x5002\t44"], read.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>An IPv4 UDP-protocol packet with a valid header checksum (the payload is opaque to the test).</summary>
    private static byte[] Ipv4(ushort identification, int offsetUnits, bool moreFragments, ReadOnlySpan<byte> data)
    {
        byte[] packet = new byte[20 + data.Length];
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), identification);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(6), (ushort)((moreFragments ? 0x2000 : 0) | offsetUnits));
        packet[8] = 64;
        packet[9] = 17;
        byte[] source = [192, 0, 2, 1];
        byte[] destination = [198, 51, 100, 1];
        source.CopyTo(packet, 12);
        destination.CopyTo(packet, 16);
        uint sum = 0;
        for (int i = 0; i < 20; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(i));
        }

        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), (ushort)~sum);
        data.CopyTo(packet.AsSpan(20));
        return packet;
    }

    /// <summary>One section: header, one interface (microsecond timestamps), enhanced packet blocks on interface 0.</summary>
    private static void WriteSection(Stream file, bool bigEndian, ushort linkType, string name, (ulong Microseconds, byte[] Data)[] packets)
    {
        var shb = new List<byte>();
        AddUInt32(shb, 0x1A2B3C4D, bigEndian);
        AddUInt16(shb, 1, bigEndian);
        AddUInt16(shb, 0, bigEndian);
        shb.AddRange(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF });
        WriteBlock(file, 0x0A0D0D0A, shb, bigEndian);

        var idb = new List<byte>();
        AddUInt16(idb, linkType, bigEndian);
        AddUInt16(idb, 0, bigEndian);
        AddUInt32(idb, 262144, bigEndian);
        byte[] nameBytes = System.Text.Encoding.ASCII.GetBytes(name);
        AddUInt16(idb, 2, bigEndian);
        AddUInt16(idb, (ushort)nameBytes.Length, bigEndian);
        idb.AddRange(nameBytes);
        Pad(idb);
        AddUInt32(idb, 0, bigEndian);
        WriteBlock(file, 1, idb, bigEndian);

        foreach ((ulong microseconds, byte[] data) in packets)
        {
            var epb = new List<byte>();
            AddUInt32(epb, 0, bigEndian);
            AddUInt32(epb, (uint)(microseconds >> 32), bigEndian);
            AddUInt32(epb, (uint)microseconds, bigEndian);
            AddUInt32(epb, (uint)data.Length, bigEndian);
            AddUInt32(epb, (uint)data.Length, bigEndian);
            epb.AddRange(data);
            Pad(epb);
            WriteBlock(file, 6, epb, bigEndian);
        }
    }

    private static void WriteBlock(Stream file, uint type, List<byte> body, bool bigEndian)
    {
        var block = new List<byte>();
        AddUInt32(block, type, bigEndian);
        AddUInt32(block, (uint)(body.Count + 12), bigEndian);
        block.AddRange(body);
        AddUInt32(block, (uint)(body.Count + 12), bigEndian);
        file.Write(block.ToArray());
    }

    private static void Pad(List<byte> bytes)
    {
        while (bytes.Count % 4 != 0)
        {
            bytes.Add(0);
        }
    }

    private static void AddUInt16(List<byte> bytes, ushort value, bool bigEndian)
    {
        byte[] buffer = new byte[2];
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt16BigEndian(buffer, value);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(buffer, value);
        }

        bytes.AddRange(buffer);
    }

    private static void AddUInt32(List<byte> bytes, uint value, bool bigEndian)
    {
        byte[] buffer = new byte[4];
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt32BigEndian(buffer, value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(buffer, value);
        }

        bytes.AddRange(buffer);
    }
}
