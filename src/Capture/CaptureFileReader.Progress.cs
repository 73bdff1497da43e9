using System.Threading;

namespace Reassembly.Capture;

/// <summary>How far a running <see cref="ReadAllAsync"/> has got, for progress displays on another thread.</summary>
public sealed partial class CaptureFileReader
{
    /// <summary>
    /// Bytes of the input parsed so far (file and section headers included). May be read on any thread while
    /// <see cref="ReadAllAsync"/> runs: the value is a recent one, never torn, and only ever grows.
    /// </summary>
    /// <remarks>
    /// The parser's position is a plain field written on the reading thread; a volatile read of an aligned 64-bit field
    /// sees some value that was written, which is all a progress bar needs, so the parser pays no fence per record.
    /// </remarks>
    public long BytesConsumed => _format switch
    {
        CaptureFormat.Pcap => Volatile.Read(ref _pcapState.Position),
        CaptureFormat.PcapNg => Volatile.Read(ref _pcapNgState.Position),
        _ => 0,
    };

    /// <summary>Frames handed to the handler so far; readable on any thread, as <see cref="BytesConsumed"/>.</summary>
    public long FramesDelivered => Volatile.Read(ref _frameIndex);
}
