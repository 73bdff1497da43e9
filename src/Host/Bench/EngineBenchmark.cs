using System.Diagnostics;
using System.Globalization;
using System.Text;
using Reassembly.Capture;

namespace Reassembly.Host.Bench;

/// <summary>
/// Times the engine over frames already in memory, so the figure compares with DPDK's rte_ip_frag in copy mode and
/// the memcpy floor in ../shared/bench/dpdk on the same workload.
/// </summary>
/// <remarks>
/// With several workers (lanes), frames are steered to them once, at load, as a NIC's RSS steers packets to its receive
/// queues; each timed pass runs every lane over its share (parsing included) on the benchmark's threads
/// (<see cref="ParallelPasses"/>) and ends when the last lane is done.
/// </remarks>
internal sealed class EngineBenchmark
{
    private readonly string _path;
    private readonly int _passes;
    private readonly int _threads;
    private readonly ReassemblyOptions _options;
    private readonly TextWriter _output;
    private readonly TextWriter _errors;

    public EngineBenchmark(string path, int passes, int threads, ReassemblyOptions options, TextWriter output, TextWriter errors)
    {
        _path = path;
        _passes = passes;
        _threads = threads;
        _options = options;
        _output = output;
        _errors = errors;
    }

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var store = new FrameStore();
        long loadStart = Stopwatch.GetTimestamp();
        try
        {
            await using CaptureFileReader reader = CaptureFileReader.Open(_path);
            CaptureReadSummary summary = await reader.ReadAllAsync(store, cancellationToken).ConfigureAwait(false);
            if (summary.Truncated)
            {
                _errors.WriteLine($"reassembly: {_path}: truncated; benchmarking the {store.Count} complete frames");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CaptureFormatException)
        {
            _errors.WriteLine($"reassembly: {_path}: {(e is FileNotFoundException ? "no such file" : e.Message)}");
            return ExitCodes.InputError;
        }

        _errors.WriteLine(string.Create(CultureInfo.InvariantCulture, $"loaded {store.Count} frames ({store.Bytes / 1e6:F1} MB) in {Stopwatch.GetElapsedTime(loadStart).TotalSeconds:F3} s"));
        ReassemblyEngine engine = ReassemblyEngine.Create(_options);
        FrameStore.WorkerShare[] shares = store.Steer(engine);
        using var passRunner = new ParallelPasses(engine, shares, _threads);
        passRunner.Run();
        engine.ExpireAll();
        ReassemblyStatistics reference = engine.GetStatistics();

        var seconds = new double[_passes];
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        int collectionsBefore = GC.CollectionCount(0);
        for (int pass = 0; pass < _passes; pass++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            engine.Reset();
            long start = Stopwatch.GetTimestamp();
            passRunner.Run();
            seconds[pass] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            _errors.WriteLine(DescribePass(pass, seconds[pass], passRunner));
        }

        // The hot path allocates nothing per frame once warm (tests/Reassembly.Tests/Core/WorkerTests, one and several
        // workers): what the passes allocated on every thread shows it here too. Each pass starts from a reset engine,
        // so the tables' regrowth and pools refilling after the reset's queues drain show as some kilobytes per pass.
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        int collections = GC.CollectionCount(0) - collectionsBefore;
        _errors.WriteLine(string.Create(CultureInfo.InvariantCulture, $"timed passes allocated {allocated} bytes in all ({(double)allocated / Math.Max(1, reference.Frames * _passes):F4} per frame), {collections} garbage collections"));

        Array.Sort(seconds);
        double median = _passes % 2 == 1 ? seconds[_passes / 2] : (seconds[(_passes / 2) - 1] + seconds[_passes / 2]) / 2;
        long fragments = reference.Ipv4.ReasmReqds + reference.Ipv6.ReasmReqds;
        long reassembled = reference.Ipv4.ReasmOKs + reference.Ipv6.ReasmOKs;
        _output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{{\"frames\": {reference.Frames}, \"fragments\": {fragments}, \"reassembled\": {reassembled}, \"seconds\": {median:R}, \"fragments_per_second\": {fragments / median:F0}}}"));
        return ExitCodes.Success;
    }

    private string DescribePass(int pass, double seconds, ParallelPasses passRunner)
    {
        var line = new StringBuilder(64);
        line.Append(CultureInfo.InvariantCulture, $"pass {pass + 1}/{_passes}: {seconds:F4} s");
        if (passRunner.ThreadCount > 1)
        {
            // Per thread: busy seconds, and chunks taken from other threads' lanes (each ParallelPasses.ChunkFrames frames).
            line.Append(" (threads busy");
            for (int t = 0; t < passRunner.ThreadCount; t++)
            {
                line.Append(CultureInfo.InvariantCulture, $"{(t == 0 ? " " : ", ")}{passRunner.BusySeconds(t):F4}");
            }

            line.Append(" s; chunks stolen");
            for (int t = 0; t < passRunner.ThreadCount; t++)
            {
                line.Append(CultureInfo.InvariantCulture, $"{(t == 0 ? " " : ", ")}{passRunner.StolenChunks(t)}");
            }

            line.Append(')');
        }

        return line.ToString();
    }
}
