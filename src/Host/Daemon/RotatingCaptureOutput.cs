using System.Globalization;
using Reassembly.Capture;
using Reassembly.Host.Replay;

namespace Reassembly.Host.Daemon;

/// <summary>
/// The daemon's capture output: pcap or pcapng, rotated to a new file when the current one reaches a size or an age.
/// Without rotation the file is the path given; with it, files are named <c>STEM-NNNNNN.EXT</c> (from 000000), so
/// they sort in the order written.
/// </summary>
/// <remarks>
/// Used by one thread (the daemon's frame loop). A file is complete (headers, every frame, flushed) once the next
/// one is opened. Writes go through the page cache: a rotated file is usually read at once by the next tool.
/// Every failure becomes an <see cref="OutputFailedException"/> naming the file.
/// </remarks>
internal sealed class RotatingCaptureOutput : IDisposable
{
    /// <summary>As replay: the largest frame Wireshark accepts, so a 64 KiB datagram is never cut.</summary>
    private const int OutputSnapLength = 262144;

    private readonly string _path;
    private readonly CaptureFormat _format;
    private readonly long _rotateBytes;
    private readonly long _rotateAfterTicks;
    private readonly IReadOnlyList<CaptureOutputInterface> _interfaces;
    private readonly TimeProvider _time;
    private CaptureFileWriter? _writer;
    private string _currentPath = string.Empty;
    private int[] _interfaceIds = [];
    private long _openedAt;
    private int _sequence;

    public RotatingCaptureOutput(string path, CaptureFormat format, long rotateBytes, TimeSpan rotateAfter, IReadOnlyList<CaptureOutputInterface> interfaces, TimeProvider time)
    {
        _path = path;
        _format = format;
        _rotateBytes = rotateBytes;
        _rotateAfterTicks = rotateAfter.Ticks;
        _interfaces = interfaces;
        _time = time;
    }

    private bool Rotates => _rotateBytes > 0 || _rotateAfterTicks > 0;

    /// <summary>Files completed or open so far, in order.</summary>
    public List<string> Files { get; } = [];

    public long FramesWritten { get; private set; }

    /// <summary>Creates the first file (so that a bad path fails at start-up, and an idle daemon still leaves a file).</summary>
    public void Open() => OpenNext();

    /// <summary>Writes one frame, first moving to a new file if the current one is full or old enough.</summary>
    public void Write(int interfaceId, long timestampNanoseconds, ReadOnlySpan<byte> data, int originalLength)
    {
        if (_writer is null || (Rotates && IsDue()))
        {
            CloseCurrent();
            OpenNext();
        }

        try
        {
            _writer!.WriteFrame(_interfaceIds[interfaceId], timestampNanoseconds, data, Math.Max(originalLength, data.Length));
            FramesWritten++;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException)
        {
            throw new OutputFailedException(_currentPath, e);
        }
    }

    /// <summary>Called periodically: a file past its age is closed even when no frame comes, so readers get it on time.</summary>
    public void Tick()
    {
        if (_writer is not null && _rotateAfterTicks > 0 && _time.GetTimestamp() - _openedAt >= ToTimestamp(_rotateAfterTicks))
        {
            CloseCurrent();
            OpenNext();
        }
    }

    /// <summary>Hands everything written so far to the operating system.</summary>
    public void Flush()
    {
        try
        {
            _writer?.Flush();
        }
        catch (IOException e)
        {
            throw new OutputFailedException(_currentPath, e);
        }
    }

    /// <summary>Flushes and closes the current file.</summary>
    public void Dispose() => CloseCurrent();

    private bool IsDue() =>
        (_rotateBytes > 0 && _writer!.BytesWritten >= _rotateBytes)
        || (_rotateAfterTicks > 0 && _time.GetTimestamp() - _openedAt >= ToTimestamp(_rotateAfterTicks));

    private long ToTimestamp(long ticks) => (long)((Int128)ticks * _time.TimestampFrequency / TimeSpan.TicksPerSecond);

    private void OpenNext()
    {
        _currentPath = Rotates ? RotatedPath(_path, _sequence++) : _path;
        try
        {
            _writer = CaptureFileWriter.Create(_currentPath, _format, new CaptureWriterOptions { DirectIo = false });
            _interfaceIds = new int[_interfaces.Count];
            for (int i = 0; i < _interfaces.Count; i++)
            {
                _interfaceIds[i] = _writer.AddInterface(_interfaces[i].LinkType, OutputSnapLength, _interfaces[i].Name, nanosecond: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            throw new OutputFailedException(_currentPath, e);
        }

        _openedAt = _time.GetTimestamp();
        Files.Add(_currentPath);
    }

    private void CloseCurrent()
    {
        if (_writer is null)
        {
            return;
        }

        CaptureFileWriter writer = _writer;
        _writer = null;
        try
        {
            writer.Dispose();
        }
        catch (IOException e)
        {
            throw new OutputFailedException(_currentPath, e);
        }
    }

    /// <summary><c>dir/out.pcapng</c>, 3 → <c>dir/out-000003.pcapng</c>.</summary>
    internal static string RotatedPath(string path, int sequence)
    {
        string directory = Path.GetDirectoryName(path) ?? string.Empty;
        string stem = Path.GetFileNameWithoutExtension(path);
        string extension = Path.GetExtension(path);
        return Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"{stem}-{sequence:D6}{extension}"));
    }
}
