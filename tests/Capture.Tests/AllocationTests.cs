using System;
using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Tasks;
using Reassembly.Capture.Tests.Helpers;

namespace Reassembly.Capture.Tests;

/// <summary>
/// The reader must not allocate per frame once warm. Measured inside the handler, on the thread that parses, between an
/// early frame and the last one: the in-memory PipeReader completes every read synchronously, so all parsing between
/// the two samples runs on this thread. One whole read goes first, untimed, so that code the runtime compiles or
/// tiers up on first use (which can allocate on the calling thread) is warm before the measured read.
/// </summary>
public class AllocationTests
{
    private const int FrameCount = 20_000;

    [Theory]
    [InlineData(CaptureFormat.Pcap, 0)]
    [InlineData(CaptureFormat.PcapNg, 0)]
    [InlineData(CaptureFormat.Pcap, 4096)]   // multi-segment: straddling records go through the scratch buffer
    [InlineData(CaptureFormat.PcapNg, 4096)]
    public async Task Reading_a_warm_capture_allocates_nothing_per_frame(CaptureFormat format, int segmentSize)
    {
        byte[] file = BuildFile(format);
        await ReadOnceAsync(file, segmentSize, new AllocationSamplingHandler(sampleAt: 1_000, lastFrame: FrameCount - 1));

        long perFrameBudget = 0;
        long constantBudget = segmentSize == 0 ? 0 : 1024; // the segmented test reader's own ReadAsync bookkeeping is not ours
        long budget = constantBudget + (perFrameBudget * FrameCount);

        // "Once warm": on a loaded machine the runtime may still tier methods up during the second read (it delays
        // tier-1 compilation while it is busy), which can allocate on this thread once. A per-frame allocation would
        // show in every read, so a few reads are allowed to reach the steady state and the last one must be clean.
        long allocated = long.MaxValue;
        for (int attempt = 0; attempt < 4 && allocated > budget; attempt++)
        {
            PipeReader input = segmentSize == 0
                ? PipeReader.Create(new ReadOnlySequence<byte>(file))
                : new SegmentedPipeReader(file, segmentSize);
            var handler = new AllocationSamplingHandler(sampleAt: 1_000, lastFrame: FrameCount - 1);
            await using var reader = new CaptureFileReader(input);

            CaptureReadSummary summary = await reader.ReadAllAsync(handler);

            Assert.Equal(FrameCount, summary.FramesRead);
            allocated = handler.AllocatedBetweenSamples;
        }

        Assert.True(allocated <= budget, $"{allocated} bytes allocated over {FrameCount - 1_001} frames.");
    }

    private static async Task ReadOnceAsync(byte[] file, int segmentSize, ICaptureFrameHandler handler)
    {
        PipeReader input = segmentSize == 0
            ? PipeReader.Create(new ReadOnlySequence<byte>(file))
            : new SegmentedPipeReader(file, segmentSize);
        await using var reader = new CaptureFileReader(input);
        await reader.ReadAllAsync(handler);
    }

    private static byte[] BuildFile(CaptureFormat format)
    {
        if (format == CaptureFormat.Pcap)
        {
            var pcap = new PcapBuilder(nanosecond: true);
            for (int i = 0; i < FrameCount; i++)
            {
                pcap.Record((uint)i, (uint)i, new byte[60 + (i % 700)]);
            }

            return pcap.ToArray();
        }

        var pcapng = new PcapNgBuilder().SectionHeader().Interface(1, name: "eth0").Interface(101, tsResol: 0x80 | 32);
        for (int i = 0; i < FrameCount; i++)
        {
            pcapng.EnhancedPacket((uint)(i % 2), (ulong)i * 1_000_003, new byte[60 + (i % 700)]);
        }

        return pcapng.ToArray();
    }

    private sealed class AllocationSamplingHandler(int sampleAt, int lastFrame) : ICaptureFrameHandler
    {
        private long _start;

        public long AllocatedBetweenSamples { get; private set; }

        public void OnFrame(in CaptureFrame frame)
        {
            if (frame.Index == sampleAt)
            {
                _start = GC.GetAllocatedBytesForCurrentThread();
            }
            else if (frame.Index == lastFrame)
            {
                AllocatedBetweenSamples = GC.GetAllocatedBytesForCurrentThread() - _start;
            }
        }
    }
}
