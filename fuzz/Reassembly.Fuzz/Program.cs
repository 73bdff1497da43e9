using System.IO;
using SharpFuzz;

namespace Reassembly.Fuzz;

/// <summary>
/// The fuzzing entry point (fuzz/run.sh runs it under afl-fuzz after SharpFuzz instruments the engine's and the
/// reader's assemblies). With file arguments it runs those inputs once each instead, to reproduce a finding.
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length > 0)
        {
            foreach (string path in args)
            {
                FuzzTarget.Run(File.ReadAllBytes(path));
                Console.WriteLine($"ok {path}");
            }

            return;
        }

        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            FuzzTarget.Run(copy.ToArray());
        });
    }
}
