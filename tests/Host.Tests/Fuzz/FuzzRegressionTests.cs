using Reassembly.Fuzz;
using Reassembly.Host.Tests.Helpers;

namespace Reassembly.Host.Tests.Fuzz;

/// <summary>
/// Every input saved in fuzz/regressions (findings of fuzz/run.sh, and corpus entries kept as a floor of coverage)
/// goes through the fuzz target without an exception other than the reader's own <c>CaptureFormatException</c>.
/// </summary>
public sealed class FuzzRegressionTests
{
    public static TheoryData<string> Inputs()
    {
        var data = new TheoryData<string>();
        foreach (string path in Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "fuzz", "regressions")).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(path));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void A_saved_fuzz_input_runs_through_the_reader_and_the_engine_without_failing(string name)
    {
        byte[] input = File.ReadAllBytes(Path.Combine(RepositoryPaths.Root, "fuzz", "regressions", name));
        Exception? thrown = Record.Exception(() => FuzzTarget.Run(input));
        Assert.Null(thrown);
    }
}
