using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Reassembly.Capture;

namespace Reassembly.Fuzz;

/// <summary>
/// What one fuzz input exercises: the pcap/pcapng reader (the input as a capture file, every frame fed to an
/// engine), and frame parsing with reassembly (the input as a sequence of frames of one link type). Any exception but
/// the reader's <see cref="CaptureFormatException"/> (bad input, reported as such) is a finding. Shared with the
/// regression tests, which replay every saved finding through it.
/// </summary>
public static class FuzzTarget
{
    private static readonly LinkType[] LinkTypes =
    [
        LinkType.Ethernet, LinkType.Raw, LinkType.Ipv4, LinkType.Ipv6, LinkType.LinuxSll, LinkType.LinuxSll2, LinkType.Null,
        LinkType.Loop, LinkType.Ieee802154NoFcs, LinkType.Ieee802154WithFcs, LinkType.Ieee802154Tap,
    ];

    /// <summary>Runs one input through both entry points; throws what the code under test threw.</summary>
    public static void Run(byte[] input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ReadAsCapture(input);
        ReadAsFrames(input);
    }

    private static ReassemblyEngine CreateEngine() => ReassemblyEngine.Create(new ReassemblyOptions
    {
        // Small limits and timeouts, so that eviction and expiry run on short inputs too.
        Ipv4Timeout = TimeSpan.FromMilliseconds(5),
        Ipv6Timeout = TimeSpan.FromMilliseconds(5),
        MemoryHighThresholdBytes = 64 * 1024,
        MemoryLowThresholdBytes = 32 * 1024,
        Ipv4MaxDistance = 4,
        NamespaceBy = NamespaceSelector.VlanAndInterface,
    });

    private static void ReadAsCapture(byte[] input)
    {
        using ReassemblyEngine engine = CreateEngine();
        var reader = new CaptureFileReader(PipeReader.Create(new ReadOnlySequence<byte>(input)));
        try
        {
            reader.ReadAllAsync(new EngineHandler(engine)).GetAwaiter().GetResult();
        }
        catch (CaptureFormatException)
        {
            // A corrupt or truncated capture: the reader's documented answer.
        }
        finally
        {
            reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        engine.ExpireAll();
        _ = engine.GetStatistics();
    }

    // Byte 0 picks the link type; then frames as [u16 length][bytes]..., each 1 ms after the last.
    private static void ReadAsFrames(byte[] input)
    {
        if (input.Length < 1)
        {
            return;
        }

        LinkType linkType = LinkTypes[input[0] % LinkTypes.Length];
        using ReassemblyEngine engine = CreateEngine();
        long timestamp = 1_700_000_000_000_000_000;
        ReadOnlySpan<byte> rest = input.AsSpan(1);
        while (rest.Length >= 2)
        {
            int length = Math.Min(BinaryPrimitives.ReadUInt16BigEndian(rest), rest.Length - 2);
            Feed(engine, rest.Slice(2, length), linkType, timestamp);
            rest = rest[(2 + length)..];
            timestamp += 1_000_000;
        }

        // The whole input as one frame, too.
        Feed(engine, input.AsSpan(1), linkType, timestamp);
        engine.ExpireAll();
        _ = engine.GetStatistics();
    }

    private static void Feed(ReassemblyEngine engine, ReadOnlySpan<byte> frame, LinkType linkType, long timestamp)
    {
        FrameResult result = engine.Process(frame, linkType, timestamp);
        result.Datagram?.Dispose();
    }

    private sealed class EngineHandler(ReassemblyEngine engine) : ICaptureFrameHandler
    {
        public void OnFrame(in CaptureFrame frame)
        {
            FrameResult result = engine.Process(frame.Data, frame.LinkType, frame.TimestampNanoseconds, frame.InterfaceId);
            result.Datagram?.Dispose();
        }
    }
}
