using System.CommandLine;
using Reassembly.Host.Bench;

namespace Reassembly.Host.Cli;

/// <summary><c>reassembly bench</c>: the engine alone, timed over a capture held in memory.</summary>
internal static class BenchCommand
{
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
        var engine = new EngineOptionsBinder();
        var command = new Command(
            "bench",
            "Measure the engine alone: load the capture's frames into memory, then time passes of the engine over them (every fragment copied into its "
            + "datagram buffer, state reset between passes). The last line of standard output is one JSON object: "
            + "{\"frames\", \"fragments\", \"reassembled\", \"seconds\" (median pass), \"fragments_per_second\"}.")
        {
            input,
            passes,
        };
        engine.AddTo(command);
        command.SetAction((parseResult, cancellationToken) =>
            new EngineBenchmark(parseResult.GetValue(input)!.FullName, parseResult.GetValue(passes), engine.Bind(parseResult), Console.Out, Console.Error)
                .RunAsync(cancellationToken));
        return command;
    }
}
