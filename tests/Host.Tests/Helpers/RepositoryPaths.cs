namespace Reassembly.Host.Tests.Helpers;

/// <summary>Locates the repository and the shared tools beside it, from the test binary's directory.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Pcaps => Path.Combine(Root, "pcaps");

    public static string Genfrag => Path.GetFullPath(Path.Combine(Root, "..", "shared", "bench", "genfrag.py"));

    public static string HostAssembly => Path.Combine(AppContext.BaseDirectory, "Reassembly.Host.dll");

    /// <summary>
    /// The environment variable that names a native (ahead-of-time compiled) <c>reassembly</c> binary for the tests to
    /// run in place of the built Host assembly. test.sh runs this suite a second time with it set to the release binary
    /// that the benchmarks measure, so that what is measured is also what is tested.
    /// </summary>
    public const string HostBinaryVariable = "REASSEMBLY_TEST_HOST";

    /// <summary>
    /// How to start the <c>reassembly</c> command line: the program, then the arguments that go before the command's own.
    /// Either the binary named by <see cref="HostBinaryVariable"/> or <c>dotnet</c> with the built Host assembly.
    /// </summary>
    public static (string Program, string[] LeadingArguments) HostCommand { get; } = FindHostCommand();

    private static (string Program, string[] LeadingArguments) FindHostCommand()
    {
        string? binary = Environment.GetEnvironmentVariable(HostBinaryVariable);
        if (string.IsNullOrEmpty(binary))
        {
            return ("dotnet", [HostAssembly]);
        }

        // A name that leads nowhere must fail every test that starts the command line, never quietly test the JIT build.
        if (!File.Exists(binary))
        {
            throw new InvalidOperationException($"{HostBinaryVariable}={binary}: no such file");
        }

        return (Path.GetFullPath(binary), []);
    }

    private static string FindRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Reassembly.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Reassembly.sln not found above " + AppContext.BaseDirectory);
    }
}
