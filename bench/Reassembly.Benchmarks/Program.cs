using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Reassembly.Benchmarks -- --filter '*'
// dotnet run -c Release --project bench/Reassembly.Benchmarks -- paired-lookup [ROUNDS] [--warm] [--two-threads]   (interleaved, for noisy machines)
if (args.Length > 0 && args[0] == "paired-lookup")
{
    int rounds = args.Length > 1 && int.TryParse(args[1], System.Globalization.CultureInfo.InvariantCulture, out int parsed) ? parsed : 3;
    Reassembly.Benchmarks.PairedLookup.Run(rounds, args.Contains("--warm"), args.Contains("--two-threads"));
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Reassembly.Benchmarks.EngineBenchmarks).Assembly).Run(args);
