namespace Reassembly.Host.Tests.Helpers;

/// <summary>Locates the repository and the shared tools beside it, from the test binary's directory.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Pcaps => Path.Combine(Root, "pcaps");

    public static string Genfrag => Path.GetFullPath(Path.Combine(Root, "..", "shared", "bench", "genfrag.py"));

    public static string HostAssembly => Path.Combine(AppContext.BaseDirectory, "Reassembly.Host.dll");

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
