using Reassembly.Capture;

namespace Reassembly.Host.Tests.Helpers;

/// <summary>Reads a whole capture into memory with the project's reader, for comparisons.</summary>
internal static class CapturedFrames
{
    public sealed record Frame(long TimestampNanoseconds, int InterfaceId, LinkType LinkType, byte[] Data);

    public static List<Frame> Read(string path)
    {
        var collector = new Collector();
        CaptureFileReader reader = CaptureFileReader.Open(path);
        try
        {
            reader.ReadAllAsync(collector).GetAwaiter().GetResult();
        }
        finally
        {
            reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        return collector.Frames;
    }

    private sealed class Collector : ICaptureFrameHandler
    {
        public List<Frame> Frames { get; } = [];

        public void OnFrame(in CaptureFrame frame) =>
            Frames.Add(new Frame(frame.TimestampNanoseconds, frame.InterfaceId, frame.LinkType, frame.Data.ToArray()));
    }
}
