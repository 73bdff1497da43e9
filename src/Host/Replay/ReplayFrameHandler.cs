using Reassembly.Capture;
using Reassembly.Host.Replay.Parallel;

namespace Reassembly.Host.Replay;

/// <summary>
/// The per-frame path of a replay: each frame goes through the engine, and what comes out (the frame itself, a
/// reassembled datagram, or nothing) goes to the output in input order. Allocates nothing per frame.
/// </summary>
/// <remarks>
/// With one worker everything runs on the reader's thread. With more, frames go through a
/// <see cref="ParallelReplayPipeline"/>, and the writing half of this class runs on its writer thread: the counters
/// below are then written by that thread and read only after <see cref="FinishFrames"/>.
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

    private readonly PolicyComparison? _comparison;

    public ReplayFrameHandler(ReassemblyEngine engine, Func<CaptureFileReader> reader, ReplaySettings settings, PolicyComparison? comparison = null)
    {
        _engine = engine;
        _reader = reader;
        _settings = settings;
        _comparison = comparison;
        if (engine.WorkerCount > 1)
        {
            _pipeline = new ParallelReplayPipeline(engine, this, settings.OrderedEvents);
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
            _pipeline.OnFrame(in frame, _reader().Interfaces);
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
                Write(interfaces, interfaceId, timestampNanoseconds, frame, originalLength);
                PassedThroughWritten++;
                break;
            case FrameDisposition.Reassembled:
                ReassembledDatagram datagram = result.Datagram!;
                ReadOnlySpan<byte> bytes = datagram.Frame;
                Write(interfaces, datagram.InterfaceId, datagram.TimestampNanoseconds, bytes, bytes.Length);
                DatagramsWritten++;
                break;
        }
    }

    /// <summary>
    /// After the last frame (or a failure to read on): waits until every frame handed to workers has been reassembled
    /// and written. Throws <see cref="OutputFailedException"/> if writing failed.
    /// </summary>
    public void FinishFrames() => _pipeline?.Complete();

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

    private void Write(IReadOnlyList<CaptureInterface> interfaces, int inputInterface, long timestampNanoseconds, ReadOnlySpan<byte> data, int originalLength)
    {
        if (_settings.OutputPath is null)
        {
            return;
        }

        try
        {
            if ((uint)inputInterface >= (uint)_outputInterface.Length)
            {
                EnsureWriter();
                EnsureInterfaces(interfaces, inputInterface);
            }

            _writer!.WriteFrame(_outputInterface[inputInterface], timestampNanoseconds, data, Math.Max(originalLength, data.Length));
            FramesWritten++;
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
        for (int i = known; i <= lastInputInterface; i++)
        {
            CaptureInterface source = interfaces[i];
            bool nanosecond = source.TimestampResolution.IsPowerOfTwo || source.TimestampResolution.Exponent > 6;
            _outputInterface[i] = _writer!.AddInterface(source.LinkType, OutputSnapLength, source.Name, nanosecond);
        }
    }
}
