using Reassembly.Capture;
using Reassembly.Host.Daemon;
using Reassembly.Host.Tests.Helpers;

namespace Reassembly.Host.Tests.Daemon;

/// <summary>The daemon's output files: rotated by size and by age, every frame in exactly one file, in order.</summary>
public sealed class RotatingCaptureOutputTests
{
    private static readonly CaptureOutputInterface[] Ethernet = [new("eth0", LinkType.Ethernet)];

    [Fact]
    public void Write_moves_to_a_new_file_when_the_current_one_reaches_the_rotate_size_and_loses_no_frame()
    {
        using var temp = new TempDirectory();
        var output = new RotatingCaptureOutput(temp.File("out.pcapng"), CaptureFormat.PcapNg, 65536, TimeSpan.Zero, Ethernet, TimeProvider.System);
        output.Open();
        const int Frames = 300;
        for (int i = 0; i < Frames; i++)
        {
            output.Write(0, 1_700_000_000_000_000_000 + i, FrameNumbered(i, 1000), 1000);
        }

        output.Dispose();
        Assert.True(output.Files.Count >= 4, $"{output.Files.Count} files");
        Assert.Equal(temp.File("out-000000.pcapng"), output.Files[0]);
        int next = 0;
        foreach (string file in output.Files)
        {
            List<CapturedFrames.Frame> frames = CapturedFrames.Read(file);
            Assert.NotEmpty(frames);
            foreach (CapturedFrames.Frame frame in frames)
            {
                Assert.Equal(FrameNumbered(next++, 1000), frame.Data);
            }
        }

        Assert.Equal(Frames, next);
    }

    [Fact]
    public void Tick_closes_a_file_older_than_the_rotate_seconds_even_without_frames()
    {
        using var temp = new TempDirectory();
        var time = new ManualTime();
        var output = new RotatingCaptureOutput(temp.File("out.pcap"), CaptureFormat.Pcap, 0, TimeSpan.FromSeconds(60), Ethernet, time);
        output.Open();
        output.Write(0, 1_700_000_000_000_000_000, FrameNumbered(0, 100), 100);
        time.Advance(TimeSpan.FromSeconds(59));
        output.Tick();
        Assert.Single(output.Files);
        time.Advance(TimeSpan.FromSeconds(1));
        output.Tick();
        Assert.Equal([temp.File("out-000000.pcap"), temp.File("out-000001.pcap")], output.Files);
        output.Write(0, 1_700_000_000_000_000_001, FrameNumbered(1, 100), 100);
        output.Dispose();
        Assert.Equal(FrameNumbered(0, 100), Assert.Single(CapturedFrames.Read(output.Files[0])).Data);
        Assert.Equal(FrameNumbered(1, 100), Assert.Single(CapturedFrames.Read(output.Files[1])).Data);
    }

    [Fact]
    public void Without_rotation_the_output_is_the_path_given()
    {
        using var temp = new TempDirectory();
        var output = new RotatingCaptureOutput(temp.File("out.pcapng"), CaptureFormat.PcapNg, 0, TimeSpan.Zero, Ethernet, TimeProvider.System);
        output.Open();
        output.Write(0, 1_700_000_000_000_000_000, FrameNumbered(7, 64), 64);
        output.Dispose();
        Assert.Equal([temp.File("out.pcapng")], output.Files);
        Assert.Equal(FrameNumbered(7, 64), Assert.Single(CapturedFrames.Read(temp.File("out.pcapng"))).Data);
    }

    private static byte[] FrameNumbered(int number, int length)
    {
        byte[] frame = new byte[length];
        BitConverter.TryWriteBytes(frame, number);
        for (int i = 4; i < length; i++)
        {
            frame[i] = (byte)(number + i);
        }

        return frame;
    }

    /// <summary>A clock that moves only when told.</summary>
    private sealed class ManualTime : TimeProvider
    {
        private long _timestamp;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _timestamp;

        public void Advance(TimeSpan by) => _timestamp += by.Ticks;
    }
}
