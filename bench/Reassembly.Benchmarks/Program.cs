using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Reassembly.Benchmarks -- --filter '*'
// dotnet run -c Release --project bench/Reassembly.Benchmarks -- paired-lookup [ROUNDS] [--warm] [--two-threads]   (interleaved, for noisy machines)
// dotnet run -c Release --project bench/Reassembly.Benchmarks -- growth-latency [ROUNDS]   (each insert of a growing table timed)
if (args.Length > 0 && args[0] == "paired-lookup")
{
    int rounds = args.Length > 1 && int.TryParse(args[1], System.Globalization.CultureInfo.InvariantCulture, out int parsed) ? parsed : 3;
    Reassembly.Benchmarks.PairedLookup.Run(rounds, args.Contains("--warm"), args.Contains("--two-threads"));
    return;
}

if (args.Length > 0 && args[0] == "growth-latency")
{
    int rounds = args.Length > 1 && int.TryParse(args[1], System.Globalization.CultureInfo.InvariantCulture, out int parsedRounds) ? parsedRounds : 3;
    Reassembly.Benchmarks.GrowthLatency.Run(rounds);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Reassembly.Benchmarks.EngineBenchmarks).Assembly).Run(args);
