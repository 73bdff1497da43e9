using System.CommandLine;
using Reassembly.Host.Bench;

namespace Reassembly.Host.Cli;

/// <summary><c>reassembly bench</c>: the engine alone, timed over a capture held in memory.</summary>
internal static class BenchCommand
{
    /// <summary>The most lanes --lanes accepts: the engine's most workers.</summary>
    public const int MaxLanes = 256;

    /// <summary>Lanes per thread when --lanes is 0 and there is more than one thread.</summary>
    public const int DefaultLanesPerThread = 2;

    /// <summary>What --lanes asks for: <paramref name="lanes"/> itself, or for 0 one lane per thread alone and <see cref="DefaultLanesPerThread"/> per thread for more.</summary>
    public static int LaneCount(int threads, int lanes) =>
        lanes != 0 ? lanes : threads == 1 ? 1 : Math.Min(threads * DefaultLanesPerThread, MaxLanes);

    public static Command Create()
    {
        var input = new Argument<FileInfo>("capture") { Description = "The capture whose frames are replayed from memory." };
        var passes = new Option<int>("--passes")
        {
            Description = "Timed passes over the frames (one untimed warm-up pass runs first); the median is reported.",
            DefaultValueFactory = _ => 5,
        };
        passes.Validators.Add(result =>
        {
            int value = result.GetValueOrDefault<int>();
            if (value < 1 || value > 1000)
            {
                result.AddError("--passes must be between 1 and 1000.");
            }
        });
        var lanes = new Option<int>("--lanes")
        {
            Description = "Lanes (receive queues) the frames are steered to by source address, each with a worker of its own; the threads run their own lanes "
                + "a chunk of frames at a time in turn, and a thread done with its own takes chunks of the others', so a thread kept off its core holds "
                + "up no one. 0 (the default) means 1 for --threads 1 and 2 per thread otherwise; --lanes equal to --threads binds each thread to one lane. "
                + "The results do not depend on it as long as no memory limit is reached.",
            DefaultValueFactory = _ => 0,
        };
        var engine = new EngineOptionsBinder();
        var command = new Command(
            "bench",
            "Measure the engine alone: load the capture's frames into memory, then time passes of the engine over them (every fragment copied into its "
            + "datagram buffer, state reset between passes). The last line of standard output is one JSON object: "
            + "{\"frames\", \"fragments\", \"reassembled\", \"seconds\" (median pass), \"fragments_per_second\"}.")
        {
            input,
            passes,
            lanes,
        };
        engine.AddTo(command);
        command.Validators.Add(result =>
        {
            int threads = result.GetValue(engine.Threads);
            int value = result.GetValue(lanes);
            if (value != 0 && (value < threads || value > MaxLanes))
            {
                result.AddError($"--lanes must be 0 or between --threads ({threads}) and {MaxLanes}.");
            }
        });
        command.SetAction((parseResult, cancellationToken) =>
        {
            int threads = parseResult.GetValue(engine.Threads);
            int laneCount = LaneCount(threads, parseResult.GetValue(lanes));
            return new EngineBenchmark(parseResult.GetValue(input)!.FullName, parseResult.GetValue(passes), threads, engine.Bind(parseResult, workers: laneCount), Console.Out, Console.Error)
                .RunAsync(cancellationToken);
        });
        return command;
    }
}
