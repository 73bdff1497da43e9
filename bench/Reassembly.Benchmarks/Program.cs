using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Reassembly.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Reassembly.Benchmarks.EngineBenchmarks).Assembly).Run(args);
