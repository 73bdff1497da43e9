using System.Diagnostics;

namespace Reassembly.Host.Replay.Parallel;

/// <summary>
/// Where the time of a parallel replay went, per stage: the figures that say whether more threads can help. A reader
/// that never waits while the workers often do is the bottleneck (more workers cannot help); workers that never wait
/// are (more may, given the cores).
/// </summary>
/// <remarks>
/// Wall-clock time, read at segment boundaries only (a few clock reads per 512 frames): a stage's "busy" time includes
/// any time the operating system gave its core to another thread, which on a machine with fewer cores than threads is
/// a large share.
/// </remarks>
/// <param name="Workers">The engine's workers, which <see cref="WorkerBusySeconds"/>'s threads run between them.</param>
/// <param name="Segments">Segments of frames handed to the workers.</param>
/// <param name="ReaderWaitingSeconds">Time the reader waited for the workers to finish the oldest segment, so that it could write it: with the ring full, and at the end of the input.</param>
/// <param name="WritingSeconds">Time the reader spent writing finished segments to the output, in order.</param>
/// <param name="WorkerBusySeconds">Per worker thread, time spent reassembling its workers' frames of the segments.</param>
/// <param name="WorkerWaitingSeconds">Per worker thread, time spent waiting for the reader to hand over the next segment.</param>
internal sealed record PipelineTimings(
    int Workers,
    long Segments,
    double ReaderWaitingSeconds,
    double WritingSeconds,
    IReadOnlyList<double> WorkerBusySeconds,
    IReadOnlyList<double> WorkerWaitingSeconds)
{
    /// <summary>Converts <see cref="Stopwatch"/> ticks to seconds.</summary>
    public static double Seconds(long ticks) => ticks / (double)Stopwatch.Frequency;
}
