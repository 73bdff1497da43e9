using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Reassembly.Benchmarks -- --filter '*'
// dotnet run -c Release --project bench/Reassembly.Benchmarks -- paired-lookup [ROUNDS]   (interleaved, for noisy machines)
if (args.Length > 0 && args[0] == "paired-lookup")
{
    Reassembly.Benchmarks.PairedLookup.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 3, args.Contains("--warm"));
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Reassembly.Benchmarks.EngineBenchmarks).Assembly).Run(args);
