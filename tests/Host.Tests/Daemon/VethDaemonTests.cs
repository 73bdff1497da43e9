using System.Buffers.Binary;
using System.Net;
using System.Text.Json;
using Reassembly.Host.Tests.Helpers;

namespace Reassembly.Host.Tests.Daemon;

/// <summary>
/// The daemon on a real interface: a veth pair into a network namespace of the test's own (TEST-NET addresses only),
/// fragmented datagrams sent from inside the namespace to the host end's address, <c>reassembly run</c> capturing on
/// the host end, stopped with SIGTERM, its output checked byte for byte. Needs root: without it the tests fail, saying so.
/// </summary>
public sealed class VethDaemonTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    // Sends each line's payload as one UDP datagram (family, hex) to the host end's port 9 (discard); the kernel
    // fragments the 3000-byte payloads at the veth's 1500-byte MTU. A bounded loop: one send per line.
    private const string UdpSender = """
        import socket, sys
        dst4, dst6, path = sys.argv[1], sys.argv[2], sys.argv[3]
        for line in open(path):
            family, data = line.split()
            if family == "4":
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.setsockopt(socket.IPPROTO_IP, 10, 0)  # IP_MTU_DISCOVER = IP_PMTUDISC_DONT: fragment, never refuse
                s.sendto(bytes.fromhex(data), (dst4, 9))
            else:
                s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
                s.sendto(bytes.fromhex(data), (dst6, 9))
            s.close()
        """;

    // Sends each line as one raw Ethernet frame out of the namespace's end of the pair.
    private const string RawSender = """
        import socket, sys
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind((sys.argv[1], 0))
        for line in open(sys.argv[2]):
            s.send(bytes.fromhex(line.strip()))
        s.close()
        """;

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Run_reassembles_fragmented_ipv4_and_ipv6_datagrams_from_a_veth_byte_for_byte_and_exits_0_on_SIGTERM(int threads)
    {
        int seed = Random.Shared.Next();
        Console.WriteLine($"seed {seed}");
        var random = new Random(seed);
        const int PerFamily = 4;
        var sent4 = new List<byte[]>();
        var sent6 = new List<byte[]>();
        using var temp = new TempDirectory();
        var lines = new List<string>();
        for (int i = 0; i < PerFamily * 2; i++)
        {
            byte[] payload = new byte[3000 + random.Next(0, 500)];
            random.NextBytes(payload);
            bool ipv4 = i % 2 == 0;
            (ipv4 ? sent4 : sent6).Add(payload);
            lines.Add((ipv4 ? "4 " : "6 ") + Convert.ToHexString(payload));
        }

        File.WriteAllLines(temp.File("payloads.txt"), lines);
        File.WriteAllText(temp.File("send.py"), UdpSender);

        using var veth = new VethNamespace();
        string output = temp.File("out.pcapng");
        string stats = temp.File("stats.json");
        using var daemon = new DaemonProcess(
            "--interface", veth.HostInterface, "--filter", $"host {VethNamespace.PeerAddress4} or host {VethNamespace.PeerAddress6}",
            "--output", output, "--reassembled-only", "--stats", stats, "--stats-interval", "0.2", "--events", temp.File("events.jsonl"),
            "--threads", threads.ToString(System.Globalization.CultureInfo.InvariantCulture));
        daemon.WaitForLine("capturing on", Patience);

        veth.Exec(30, "python3", temp.File("send.py"), VethNamespace.HostAddress4, VethNamespace.HostAddress6, temp.File("payloads.txt"));

        // The periodic statistics say when every datagram is through; then SIGTERM.
        daemon.WaitFor(
            line => line.Contains($"ipv4: fragments=", StringComparison.Ordinal) && ReassembledCounts(line) == (PerFamily, PerFamily),
            $"{PerFamily} IPv4 and {PerFamily} IPv6 datagrams reassembled",
            Patience);
        Assert.Equal(0, daemon.Terminate(Patience));

        List<CapturedFrames.Frame> frames = CapturedFrames.Read(output);
        var got4 = new List<byte[]>();
        var got6 = new List<byte[]>();
        foreach (CapturedFrames.Frame frame in frames)
        {
            Assert.Equal(LinkType.Ethernet, frame.LinkType);
            (bool ipv4, byte[] payload) = UdpPayload(frame.Data);
            (ipv4 ? got4 : got6).Add(payload);
        }

        Assert.Equal(PerFamily * 2, frames.Count);
        Assert.Equal(sent4.Count, got4.Count);
        Assert.Equal(sent6.Count, got6.Count);
        for (int i = 0; i < PerFamily; i++)
        {
            Assert.Equal(sent4[i], got4[i]);
            Assert.Equal(sent6[i], got6[i]);
        }

        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(stats));
        JsonElement root = document.RootElement;
        Assert.Equal(PerFamily, root.GetProperty("ipv4").GetProperty("ReasmOKs").GetInt64());
        Assert.Equal(PerFamily, root.GetProperty("ipv6").GetProperty("ReasmOKs").GetInt64());
        Assert.Equal(0, root.GetProperty("ipv4").GetProperty("ReasmFails").GetInt64());
        Assert.Equal(0, root.GetProperty("capture").GetProperty("PcapDropped").GetInt64());
        Assert.Equal(0, root.GetProperty("capture").GetProperty("QueueDropped").GetInt64());
        Assert.Equal(PerFamily * 2, root.GetProperty("capture").GetProperty("DatagramsWritten").GetInt64());
    }

    [Fact]
    public void Run_with_shards_0_of_2_and_1_of_2_reassembles_every_datagram_exactly_once_between_the_two_daemons()
    {
        int seed = Random.Shared.Next();
        Console.WriteLine($"seed {seed}");
        var random = new Random(seed);
        using var temp = new TempDirectory();
        using var veth = new VethNamespace();

        // Four source addresses, so that the address pairs spread over both shards.
        string[] sources = [VethNamespace.PeerAddress4, "192.0.2.3", "192.0.2.4", "192.0.2.5"];
        foreach (string extra in sources[1..])
        {
            veth.Exec(10, "ip", "addr", "add", extra + "/24", "dev", veth.PeerInterface);
        }

        var sent = new List<byte[]>();
        var lines = new List<string>();
        for (int i = 0; i < 8; i++)
        {
            byte[] payload = new byte[3000];
            random.NextBytes(payload);
            sent.Add(payload);
            lines.Add($"{sources[i % sources.Length]} {Convert.ToHexString(payload)}");
        }

        File.WriteAllLines(temp.File("payloads.txt"), lines);
        File.WriteAllText(temp.File("send.py"), """
            import socket, sys
            for line in open(sys.argv[2]):
                source, data = line.split()
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.setsockopt(socket.IPPROTO_IP, 10, 0)
                s.bind((source, 0))
                s.sendto(bytes.fromhex(data), (sys.argv[1], 9))
                s.close()
            """);

        string filter = "src net 192.0.2.0/29 and dst host " + VethNamespace.HostAddress4;
        var outputs = new[] { temp.File("shard0.pcap"), temp.File("shard1.pcap") };
        using var shard0 = new DaemonProcess("-i", veth.HostInterface, "-f", filter, "--shard", "0/2", "-o", outputs[0], "--output-format", "pcap", "--reassembled-only", "--stats-interval", "0.2");
        using var shard1 = new DaemonProcess("-i", veth.HostInterface, "-f", filter, "--shard", "1/2", "-o", outputs[1], "--output-format", "pcap", "--reassembled-only", "--stats-interval", "0.2");
        shard0.WaitForLine("capturing on", Patience);
        shard1.WaitForLine("capturing on", Patience);
        veth.Exec(30, "python3", temp.File("send.py"), VethNamespace.HostAddress4, temp.File("payloads.txt"));

        // Each daemon sees every fragment (24) and keeps its share; together they reassemble all 8.
        int Reassembled(DaemonProcess daemon) => daemon.Log.Split('\n').Where(l => l.Contains("frames=", StringComparison.Ordinal)).Select(l => ReassembledCounts(l).Ipv4).DefaultIfEmpty(0).Max();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (Reassembled(shard0) + Reassembled(shard1) < sent.Count && clock.Elapsed < Patience)
        {
            Thread.Sleep(100);
        }

        Assert.Equal(0, shard0.Terminate(Patience));
        Assert.Equal(0, shard1.Terminate(Patience));
        var got = new List<byte[]>();
        foreach (string output in outputs)
        {
            got.AddRange(CapturedFrames.Read(output).Select(frame => UdpPayload(frame.Data).Payload));
        }

        Assert.Equal(sent.Count, got.Count);
        foreach (byte[] payload in sent)
        {
            Assert.Single(got, g => g.AsSpan().SequenceEqual(payload));
        }
    }

    [Fact]
    public void Run_with_inject_sends_each_reassembled_datagram_out_of_the_inject_interface()
    {
        using var temp = new TempDirectory();
        using var veth = new VethNamespace();
        veth.AddExtraPair(9000);
        (string injectHost, string injectPeer) = veth.ExtraPair!.Value;
        var random = new Random(Random.Shared.Next());
        var sent = new List<byte[]>();
        var lines = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            byte[] payload = new byte[3000];
            random.NextBytes(payload);
            sent.Add(payload);
            lines.Add("4 " + Convert.ToHexString(payload));
        }

        File.WriteAllLines(temp.File("payloads.txt"), lines);
        File.WriteAllText(temp.File("send.py"), UdpSender);

        // The receiver: bounded by a count and a 15 s socket timeout; keeps the IPv4 UDP frames from the peer's address.
        File.WriteAllText(temp.File("receive.py"), """
            import socket, sys
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
            s.bind((sys.argv[1], 0))
            s.settimeout(15)
            wanted, got = int(sys.argv[2]), 0
            with open(sys.argv[3], "w") as out:
                print("listening", flush=True)
                while got < wanted:
                    frame = s.recv(65535)
                    if frame[12:14] == b"\x08\x00" and frame[23] == 17 and frame[26:30] == bytes([192, 0, 2, 2]):
                        out.write(frame.hex() + "\n")
                        got += 1
            """);
        string received = temp.File("received.txt");
        using var receiver = new DaemonlessProcess("ip", "netns", "exec", veth.Namespace, "python3", "-u", temp.File("receive.py"), injectPeer, "3", received);
        receiver.WaitForOutput("listening", Patience);

        string stats = temp.File("stats.json");
        using var daemon = new DaemonProcess("-i", veth.HostInterface, "-f", "src host " + VethNamespace.PeerAddress4, "--inject", injectHost, "--stats", stats, "--stats-interval", "0.2");
        daemon.WaitForLine("capturing on", Patience);
        veth.Exec(30, "python3", temp.File("send.py"), VethNamespace.HostAddress4, VethNamespace.HostAddress6, temp.File("payloads.txt"));
        Assert.True(receiver.WaitForExit(Patience), "the receiver on the inject interface did not get 3 datagrams:\n" + daemon.Log);
        Assert.Equal(0, daemon.Terminate(Patience));

        List<byte[]> injected = File.ReadAllLines(received).Select(line => UdpPayload(Convert.FromHexString(line)).Payload).ToList();
        Assert.Equal(sent.Count, injected.Count);
        for (int i = 0; i < sent.Count; i++)
        {
            Assert.Equal(sent[i], injected[i]);
        }

        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(stats));
        Assert.Equal(3, document.RootElement.GetProperty("capture").GetProperty("Injected").GetInt64());
        Assert.Equal(0, document.RootElement.GetProperty("capture").GetProperty("InjectFailed").GetInt64());
    }

    [Fact]
    public void Run_applies_a_changed_policy_to_new_datagrams_while_a_datagram_in_flight_keeps_the_old_one()
    {
        using var temp = new TempDirectory();
        using var veth = new VethNamespace();
        string config = temp.File("appsettings.json");
        string output = temp.File("out.pcap");
        WriteConfig(config, veth.HostInterface, output, "first");
        File.WriteAllText(temp.File("raw.py"), RawSender);

        // Two datagrams with the same overlap: bytes 24..32 of the UDP datagram come first as 'A' (fragment 2), then
        // as 'B' (fragment 3). Under "first" the 'A's stay; under "last" the 'B's win.
        IPAddress source = IPAddress.Parse(VethNamespace.PeerAddress4), destination = IPAddress.Parse(VethNamespace.HostAddress4);
        byte[] Fragment(ushort id, int part)
        {
            byte[] payload = part switch
            {
                0 => UdpHeader(40, id),
                1 => Fill(16, (byte)'A'),
                _ => Fill(16, (byte)'B'),
            };
            int offset = part switch { 0 => 0, 1 => 16, _ => 24 };
            return Ipv4FragmentFrame.Build(veth.HostMac, veth.PeerMac, source, destination, id, offset, moreFragments: part < 2, payload);
        }

        const ushort InFlight = 0x5151, Started = 0x5252;
        File.WriteAllLines(temp.File("phase1.txt"), [Convert.ToHexString(Fragment(InFlight, 0)), Convert.ToHexString(Fragment(InFlight, 1))]);
        File.WriteAllLines(temp.File("phase2.txt"),
        [
            Convert.ToHexString(Fragment(InFlight, 2)),
            Convert.ToHexString(Fragment(Started, 0)),
            Convert.ToHexString(Fragment(Started, 1)),
            Convert.ToHexString(Fragment(Started, 2)),
        ]);

        using var daemon = new DaemonProcess("--config", config);
        daemon.WaitForLine("capturing on", Patience);
        veth.Exec(30, "python3", temp.File("raw.py"), veth.PeerInterface, temp.File("phase1.txt"));
        daemon.WaitForLine("ipv4: fragments=2 ", Patience);

        WriteConfig(config, veth.HostInterface, output, "last");
        daemon.WaitForLine("configuration reloaded: policy last", Patience);
        veth.Exec(30, "python3", temp.File("raw.py"), veth.PeerInterface, temp.File("phase2.txt"));
        daemon.WaitFor(line => line.Contains("ipv4: fragments=", StringComparison.Ordinal) && ReassembledCounts(line).Ipv4 == 2, "2 datagrams reassembled", Patience);
        Assert.Equal(0, daemon.Terminate(Patience));

        var byId = new Dictionary<ushort, byte[]>();
        foreach (CapturedFrames.Frame frame in CapturedFrames.Read(output))
        {
            ushort id = BinaryPrimitives.ReadUInt16BigEndian(frame.Data.AsSpan(14 + 4));
            byId[id] = UdpPayload(frame.Data).Payload;
        }

        Assert.Equal(2, byId.Count);
        // UDP data: the 8 bytes after the header in fragment 1, then bytes 16..40 of the datagram.
        byte[] expectedOld = [.. UdpHeader(40, InFlight).AsSpan(8), .. Fill(16, (byte)'A'), .. Fill(8, (byte)'B')];
        byte[] expectedNew = [.. UdpHeader(40, Started).AsSpan(8), .. Fill(8, (byte)'A'), .. Fill(16, (byte)'B')];
        Assert.Equal(expectedOld, byId[InFlight]);
        Assert.Equal(expectedNew, byId[Started]);
    }

    private static void WriteConfig(string path, string itf, string output, string policy)
    {
        // Whole-file replacement through a rename, so the watcher never reads a half-written file.
        string staging = path + ".new";
        File.WriteAllText(staging, $$"""
            {
              "Interfaces": [ "{{itf}}" ],
              "Filter": "host {{VethNamespace.PeerAddress4}}",
              "Output": "{{output}}",
              "OutputFormat": "pcap",
              "ReassembledOnly": true,
              "StatsInterval": 0.2,
              "Policy": "{{policy}}",
              "Logging": { "LogLevel": { "Default": "Information" } }
            }
            """);
        File.Move(staging, path, overwrite: true);
    }

    private static byte[] Fill(int length, byte value)
    {
        byte[] bytes = new byte[length];
        Array.Fill(bytes, value);
        return bytes;
    }

    private static byte[] UdpHeader(int udpLength, ushort id)
    {
        // 8-byte UDP header (checksum 0: none, allowed on IPv4) and 8 bytes of data naming the datagram.
        byte[] bytes = new byte[16];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, 40000);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), 9);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(4), (ushort)udpLength);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(8), id);
        return bytes;
    }

    /// <summary>The UDP payload of an Ethernet frame holding one whole IPv4 or IPv6 UDP datagram.</summary>
    private static (bool Ipv4, byte[] Payload) UdpPayload(byte[] frame)
    {
        ushort etherType = BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(12));
        ReadOnlySpan<byte> ip = frame.AsSpan(14);
        if (etherType == 0x0800)
        {
            int headerLength = (ip[0] & 0xF) * 4;
            Assert.Equal(17, ip[9]);
            Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(ip[6..]) & 0x3FFF);
            int total = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
            ReadOnlySpan<byte> udp = ip[headerLength..total];
            Assert.Equal(udp.Length, BinaryPrimitives.ReadUInt16BigEndian(udp[4..]));
            return (true, udp[8..].ToArray());
        }

        Assert.Equal(0x86DD, etherType);
        Assert.Equal(17, ip[6]);
        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(ip[4..]);
        ReadOnlySpan<byte> udp6 = ip.Slice(40, payloadLength);
        Assert.Equal(udp6.Length, BinaryPrimitives.ReadUInt16BigEndian(udp6[4..]));
        return (false, udp6[8..].ToArray());
    }

    /// <summary>The reassembled counts of a statistics log line.</summary>
    private static (int Ipv4, int Ipv6) ReassembledCounts(string line)
    {
        int v4 = line.IndexOf("ipv4:", StringComparison.Ordinal), v6 = line.IndexOf("ipv6:", StringComparison.Ordinal);
        return v4 < 0 || v6 < 0 ? (-1, -1) : (Field(line[v4..v6], "reassembled="), Field(line[v6..], "reassembled="));
    }

    private static int Field(string text, string name)
    {
        int at = text.IndexOf(name, StringComparison.Ordinal) + name.Length;
        int end = at;
        while (end < text.Length && char.IsAsciiDigit(text[end]))
        {
            end++;
        }

        return int.Parse(text.AsSpan(at, end - at), System.Globalization.CultureInfo.InvariantCulture);
    }
}
