using System.Threading.Channels;
using System.Threading.Tasks;

namespace Reassembly.Samples;

public static class IdsPipeline
{
    public delegate void Inspect(ReadOnlySpan<byte> frame, LinkType linkType);

    // Frames in from a capture channel; the IDS sees every whole datagram once and every other frame as it came.
    public static async Task<long> RunAsync(ChannelReader<InputFrame> frames, Inspect inspect)
    {
        ChannelAnomalySink sink = ChannelAnomalySink.CreateBounded(out ChannelReader<AnomalyEvent> anomalies);
        using var reassembler = Reassembler.Create(new ReassemblyOptions { Workers = 2, AnomalySink = sink });
        await foreach (ReassemblyOutput output in reassembler.ReassembleAsync(frames))
        {
            using (output) // owns the pooled datagram, if any: dispose it
            {
                if (output.Result.IsReassembled)
                {
                    inspect(output.Result.Datagram.Frame, output.Result.Datagram.LinkType);
                }
                else if (output.Result.ForwardsFrame)
                {
                    inspect(output.Input.Data.Span, output.Input.LinkType);
                }
            }
        }

        reassembler.ExpireAll(); // the input is over: what is still incomplete never will be
        long overlaps = 0;
        while (anomalies.TryRead(out AnomalyEvent anomaly))
        {
            overlaps += anomaly.Kind == AnomalyKind.Overlap ? 1 : 0;
        }

        return overlaps;
    }
}
