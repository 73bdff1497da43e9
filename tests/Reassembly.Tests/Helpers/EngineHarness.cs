namespace Reassembly.Tests.Helpers;

/// <summary>Feeds frames to an engine and collects the reassembled packets (copied out, datagrams disposed).</summary>
internal sealed class EngineHarness
{
    public EngineHarness(ReassemblyOptions? options = null)
    {
        Engine = ReassemblyEngine.Create(options);
    }

    public ReassemblyEngine Engine { get; }

    public List<byte[]> Frames { get; } = [];

    public List<byte[]> Packets { get; } = [];

    public long Clock { get; set; } = 1_700_000_000_000_000_000;

    public FrameDisposition Feed(byte[] frame, LinkType linkType = LinkType.Ethernet, long? timestamp = null)
    {
        FrameResult result = Engine.Process(frame, linkType, timestamp ?? Clock++);
        if (result.Datagram is { } datagram)
        {
            using (datagram)
            {
                Frames.Add(datagram.Frame.ToArray());
                Packets.Add(datagram.Packet.ToArray());
            }
        }

        return result.Disposition;
    }

    public FrameDisposition FeedIpv4(byte[] packet, params ushort[] vlans) => Feed(PacketBuilder.Ethernet(0x0800, packet, vlans));

    public FrameDisposition FeedIpv6(byte[] packet, params ushort[] vlans) => Feed(PacketBuilder.Ethernet(0x86DD, packet, vlans));
}
