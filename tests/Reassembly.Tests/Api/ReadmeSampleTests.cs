using System.Threading.Channels;
using Reassembly.Samples;

namespace Reassembly.Tests.Api;

/// <summary>The README's library example is samples/Reassembly.Samples/IdsPipeline.cs, verbatim, and it works.</summary>
public sealed class ReadmeSampleTests
{
    private const string SamplePath = "samples/Reassembly.Samples/IdsPipeline.cs";

    [Fact]
    public void The_README_example_is_the_sample_file_verbatim()
    {
        string root = RepositoryRoot();
        string readme = File.ReadAllText(Path.Combine(root, "README.md")).ReplaceLineEndings("\n");
        string marker = $"<!-- sample: {SamplePath} -->";
        int at = readme.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(at >= 0, $"README.md has no '{marker}' line");
        int start = readme.IndexOf("```csharp\n", at, StringComparison.Ordinal) + "```csharp\n".Length;
        int end = readme.IndexOf("\n```", start, StringComparison.Ordinal);
        string block = readme[start..end];
        string sample = File.ReadAllText(Path.Combine(root, SamplePath)).ReplaceLineEndings("\n").TrimEnd('\n');

        Assert.Equal(sample, block);
    }

    [Fact]
    public async Task The_README_example_inspects_every_whole_datagram_and_every_passed_frame_and_counts_overlaps()
    {
        int seed = Environment.TickCount;
        List<(byte[] Frame, long Timestamp)> frames = ApiWorkload.Create(new Random(seed));
        (int expectedInspected, long expectedOverlaps, long expectedBytes) = Reference(frames);
        Channel<InputFrame> input = Channel.CreateBounded<InputFrame>(128);
        Task producer = Task.Run(async () =>
        {
            foreach ((byte[] frame, long timestamp) in frames)
            {
                await input.Writer.WriteAsync(new InputFrame(frame, LinkType.Ethernet, timestamp));
            }

            input.Writer.Complete();
        });

        int inspected = 0;
        long bytes = 0;
        long overlaps = await IdsPipeline.RunAsync(input.Reader, (frame, linkType) =>
        {
            Assert.Equal(LinkType.Ethernet, linkType);
            inspected++;
            bytes += frame.Length;
        });
        await producer;

        Assert.True(expectedOverlaps > 0, $"seed {seed}: the workload overlaps");
        Assert.True(expectedInspected == inspected, $"seed {seed}: {inspected} inspected, {expectedInspected} expected");
        Assert.True(expectedBytes == bytes, $"seed {seed}: {bytes} bytes inspected, {expectedBytes} expected");
        Assert.True(expectedOverlaps == overlaps, $"seed {seed}: {overlaps} overlaps, {expectedOverlaps} expected");
    }

    private static (int Inspected, long Overlaps, long Bytes) Reference(List<(byte[] Frame, long Timestamp)> frames)
    {
        using var reassembler = Reassembler.Create();
        int inspected = 0;
        long bytes = 0;
        foreach ((byte[] frame, long timestamp) in frames)
        {
            using ReassemblyResult result = reassembler.Process(frame, LinkType.Ethernet, timestamp);
            if (result.IsReassembled)
            {
                inspected++;
                bytes += result.Datagram.Frame.Length;
            }
            else if (result.ForwardsFrame)
            {
                inspected++;
                bytes += frame.Length;
            }
        }

        return (inspected, reassembler.GetStatistics().Anomalies[AnomalyKind.Overlap], bytes);
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Reassembly.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Reassembly.sln not found above the test's directory");
    }
}
