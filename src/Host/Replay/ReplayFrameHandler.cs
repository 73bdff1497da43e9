using Reassembly.Capture;
using Reassembly.Host.Replay.Parallel;

namespace Reassembly.Host.Replay;

/// <summary>
/// The per-frame path of a replay: each frame goes through the engine, and what comes out (the frame itself, a
/// reassembled datagram, or nothing) goes to the output in input order. Allocates nothing per frame.
/// </summary>
/// <remarks>
/// With one worker everything runs on the reader's thread. With more, frames go through a
/// <see cref="ParallelReplayPipeline"/>, and the writing half of this class runs when the pipeline emits a segment (on
/// the reader's thread, once every worker is done with it): the counters below are read only after
/// <see cref="FinishFrames"/>, which waits for the workers.
/// </remarks>
internal sealed class ReplayFrameHandler : ICaptureFrameHandler, IReplayOutput, IDisposable
{
    /// <summary>Snap length of the output: the largest frame Wireshark accepts, so a 64 KiB datagram is never cut.</summary>
    private const int OutputSnapLength = 262144;

    private readonly ReassemblyEngine _engine;
    private readonly Func<CaptureFileReader> _reader;
    private readonly ReplaySettings _settings;
    private readonly ParallelReplayPipeline? _pipeline;
    private CaptureFileWriter? _writer;
    private int[] _outputInterface = [];

    // Per input interface: where its decompressed 6LoWPAN packets go (an IPv6 interface of their own), else the same as
    // _outputInterface. A pcap output of an 802.15.4 input has only that one, and -1 in _outputInterface.
    private int[] _ipv6Interface = [];

    private readonly PolicyComparison? _comparison;

    public ReplayFrameHandler(ReassemblyEngine engine, Func<CaptureFileReader> reader, ReplaySettings settings, PolicyComparison? comparison = null)
    {
        _engine = engine;
        _reader = reader;
        _settings = settings;
        _comparison = comparison;
        if (engine.WorkerCount > 1)
        {
            _pipeline = new ParallelReplayPipeline(engine, this, settings.OrderedEvents, settings.WorkerThreads ?? ParallelReplayPipeline.DefaultWorkerThreads(engine.WorkerCount, Environment.ProcessorCount));
        }
    }

    public long FramesWritten { get; private set; }

    public long DatagramsWritten { get; private set; }

    public long PassedThroughWritten { get; private set; }

    public CaptureFormat? WrittenFormat { get; private set; }

    /// <summary>Frames skipped because another shard owns their address pair.</summary>
    public long FramesOutsideShard { get; private set; }

    public void OnFrame(in CaptureFrame frame)
    {
        // Before anything else, so that every stage (comparison engines included) sees only this shard's frames.
        if (_settings.ShardCount > 1 && ReassemblyEngine.AddressPairHash(frame.Data, frame.LinkType) % (uint)_settings.ShardCount != (uint)_settings.ShardIndex)
        {
            FramesOutsideShard++;
            return;
        }

        _comparison?.OnFrame(in frame);
        if (_pipeline is not null)
        {
            CaptureFileReader reader = _reader();
            _pipeline.OnFrame(in frame, reader.Interfaces, reader.IsStable(frame.Data));
            return;
        }

        FrameResult result = _engine.Process(frame.Data, frame.LinkType, frame.TimestampNanoseconds, frame.InterfaceId);
        try
        {
            Write(in result, frame.InterfaceId, frame.TimestampNanoseconds, frame.Data, frame.OriginalLength, _reader().Interfaces);
        }
        finally
        {
            result.Datagram?.Dispose();
        }
    }

    /// <inheritdoc/>
    public void Write(in FrameResult result, int interfaceId, long timestampNanoseconds, ReadOnlySpan<byte> frame, int originalLength, IReadOnlyList<CaptureInterface> interfaces)
    {
        switch (result.Disposition)
        {
            case FrameDisposition.PassThrough when !_settings.ReassembledOnly:
                if (Write(interfaces, interfaceId, timestampNanoseconds, frame, originalLength, ipv6: false))
                {
                    PassedThroughWritten++;
                }

                break;
            case FrameDisposition.Reassembled or FrameDisposition.Decompressed:
                ReassembledDatagram datagram = result.Datagram!;
                ReadOnlySpan<byte> bytes = datagram.Frame;
                Write(interfaces, datagram.InterfaceId, datagram.TimestampNanoseconds, bytes, bytes.Length, ipv6: datagram.LinkType == LinkType.Ipv6);
                DatagramsWritten++;
                break;
        }
    }

    /// <summary>
    /// After the last frame (or a failure to read on): waits until every frame handed to workers has been reassembled
    /// and written. Throws <see cref="OutputFailedException"/> if writing failed.
    /// </summary>
    public void FinishFrames() => _pipeline?.Complete();

    /// <summary>The parallel pipeline's stage timings (after <see cref="FinishFrames"/>), or null on one thread.</summary>
    public PipelineTimings? PipelineTimings => _pipeline?.Timings;

    /// <summary>Stops the pipeline's threads, if any, without waiting for more output.</summary>
    public void Dispose() => _pipeline?.Dispose();

    /// <summary>Creates the output even for a capture without packets, then flushes and closes it.</summary>
    public async ValueTask CompleteAsync()
    {
        if (_settings.OutputPath is null)
        {
            return;
        }

        try
        {
            EnsureWriter();
            EnsureInterfaces(_reader().Interfaces, _reader().Interfaces.Count - 1);
            await _writer!.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            throw new OutputFailedException(_settings.OutputPath, e);
        }
    }

    /// <summary>Closes the output after a failure elsewhere, keeping what was written.</summary>
    public async ValueTask AbandonAsync()
    {
        if (_writer is not null)
        {
            try
            {
                await _writer.DisposeAsync().ConfigureAwait(false);
            }
            catch (IOException)
            {
                // The original failure is what gets reported.
            }
        }
    }

    /// <summary>Writes one frame; false when its interface has no place in the output (802.15.4 frames in a pcap output).</summary>
    private bool Write(IReadOnlyList<CaptureInterface> interfaces, int inputInterface, long timestampNanoseconds, ReadOnlySpan<byte> data, int originalLength, bool ipv6)
    {
        if (_settings.OutputPath is null)
        {
            return false;
        }

        try
        {
            if ((uint)inputInterface >= (uint)_outputInterface.Length)
            {
                EnsureWriter();
                EnsureInterfaces(interfaces, inputInterface);
            }

            int output = ipv6 ? _ipv6Interface[inputInterface] : _outputInterface[inputInterface];
            if (output < 0)
            {
                return false;
            }

            _writer!.WriteFrame(output, timestampNanoseconds, data, Math.Max(originalLength, data.Length));
            FramesWritten++;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            throw new OutputFailedException(_settings.OutputPath, e);
        }
    }

    private void EnsureWriter()
    {
        if (_writer is not null)
        {
            return;
        }

        CaptureFileReader reader = _reader();
        CaptureFormat format = _settings.OutputFormat ?? reader.Format;
        _writer = CaptureFileWriter.Create(_settings.OutputPath!, format, new CaptureWriterOptions { DirectIo = _settings.DirectOutput });
        WrittenFormat = format;
    }

    /// <summary>Mirrors the input's interfaces, in order, up to <paramref name="lastInputInterface"/>.</summary>
    private void EnsureInterfaces(IReadOnlyList<CaptureInterface> interfaces, int lastInputInterface)
    {
        int known = _outputInterface.Length;
        if (lastInputInterface < known)
        {
            return;
        }

        Array.Resize(ref _outputInterface, lastInputInterface + 1);
        Array.Resize(ref _ipv6Interface, lastInputInterface + 1);
        for (int i = known; i <= lastInputInterface; i++)
        {
            CaptureInterface source = interfaces[i];
            bool nanosecond = source.TimestampResolution.IsPowerOfTwo || source.TimestampResolution.Exponent > 6;
            if (source.LinkType is LinkType.Ieee802154WithFcs or LinkType.Ieee802154NoFcs or LinkType.Ieee802154Tap)
            {
                // 6LoWPAN comes out as raw IPv6 (229), which any IPv6 tool reads. The 802.15.4 frames that pass through
                // (acknowledgments, MAC commands, undecodable ones) keep an interface of their own in pcapng; a pcap
                // file holds one link type, so there they are left out (and counted under "lowpan").
                bool pcap = _writer!.Format == CaptureFormat.Pcap;
                _outputInterface[i] = pcap ? -1 : _writer.AddInterface(source.LinkType, OutputSnapLength, source.Name, nanosecond);
                _ipv6Interface[i] = _writer.AddInterface(LinkType.Ipv6, OutputSnapLength, source.Name is null ? "6lowpan" : source.Name + "-6lowpan", nanosecond);
                continue;
            }

            _outputInterface[i] = _writer!.AddInterface(source.LinkType, OutputSnapLength, source.Name, nanosecond);
            _ipv6Interface[i] = _outputInterface[i];
        }
    }
}
