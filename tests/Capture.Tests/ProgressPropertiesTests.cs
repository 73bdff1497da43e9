using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;
using Reassembly.Capture.Tests.Helpers;

namespace Reassembly.Capture.Tests;

public sealed class ProgressPropertiesTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task BytesConsumed_and_FramesDelivered_grow_during_the_read_and_end_at_the_summarys_figures(bool pcapng)
    {
        var pcap = new PcapBuilder();
        var ng = new PcapNgBuilder().SectionHeader().Interface(1);
        for (int i = 0; i < 500; i++)
        {
            var data = new byte[100 + (i % 700)];
            pcap.Record((uint)i, 0, data);
            ng.EnhancedPacket(0, (ulong)i, data);
        }

        string path = _directory.File(pcapng ? "p.pcapng" : "p.pcap");
        await File.WriteAllBytesAsync(path, pcapng ? ng.ToArray() : pcap.ToArray());
        await using CaptureFileReader reader = CaptureFileReader.Open(path, new CaptureReaderOptions { SegmentSize = 4096, PauseThreshold = 16384 });
        var seen = new List<(long Bytes, long Frames)>();
        var handler = new ObservingHandler(() => seen.Add((reader.BytesConsumed, reader.FramesDelivered)));

        CaptureReadSummary summary = await reader.ReadAllAsync(handler);

        Assert.Equal(summary.BytesRead, reader.BytesConsumed);
        Assert.Equal(summary.FramesRead, reader.FramesDelivered);
        Assert.Equal(new FileInfo(path).Length, reader.BytesConsumed);
        for (int i = 1; i < seen.Count; i++)
        {
            Assert.True(seen[i].Bytes >= seen[i - 1].Bytes && seen[i].Frames == seen[i - 1].Frames + 1, $"frame {i}");
        }

        Assert.True(seen[^1].Bytes > seen[0].Bytes);
    }

    private sealed class ObservingHandler(Action observe) : ICaptureFrameHandler
    {
        public void OnFrame(in CaptureFrame frame) => observe();
    }
}
