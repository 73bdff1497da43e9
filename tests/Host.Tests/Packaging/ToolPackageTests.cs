using System.IO.Compression;
using Reassembly.Host.Tests.Helpers;

namespace Reassembly.Host.Tests.Packaging;

/// <summary>
/// The command line ships as a .NET tool: packed from the Release build the test run made, installed from that local
/// package into a tool path of its own, it answers --help and replays the bundled sample.
/// </summary>
public sealed class ToolPackageTests
{
    [Fact]
    public void The_tool_package_installs_into_a_tool_path_and_replays_the_sample()
    {
        using var temp = new TempDirectory();
        string packages = temp.File("packages");
        string tools = temp.File("tools");
        string project = Path.Combine(RepositoryPaths.Root, "src", "Host", "Host.csproj");

        // --no-build: package what this test run already built, instead of building the solution again under it.
        ProcessRunner.Result pack = ProcessRunner.Run("dotnet", ["pack", project, "-c", "Release", "--no-build", "-o", packages, "-nologo"]);
        Assert.True(pack.ExitCode == 0, pack.StandardOutput + pack.StandardError);
        string package = Assert.Single(Directory.GetFiles(packages, "Reassembly.Tool.*.nupkg"));
        using (ZipArchive zip = ZipFile.OpenRead(package))
        {
            string nuspec = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open()).ReadToEnd();
            Assert.Contains("<packageType name=\"DotnetTool\"", nuspec, StringComparison.Ordinal);
            Assert.Contains("<readme>README.md</readme>", nuspec, StringComparison.Ordinal);
            Assert.Contains("fragment", nuspec, StringComparison.OrdinalIgnoreCase);
            Assert.Contains(zip.Entries, e => e.FullName == "README.md");
        }

        string version = Path.GetFileNameWithoutExtension(package)["Reassembly.Tool.".Length..];
        ProcessRunner.Result install = ProcessRunner.Run("dotnet", ["tool", "install", "Reassembly.Tool", "--tool-path", tools, "--add-source", packages, "--version", version]);
        Assert.True(install.ExitCode == 0, install.StandardOutput + install.StandardError);

        string reassembly = Path.Combine(tools, "reassembly");
        ProcessRunner.Result help = ProcessRunner.Run(reassembly, ["--help"]);
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("replay", help.StandardOutput, StringComparison.Ordinal);

        string output = temp.File("out.pcap");
        ProcessRunner.Result replay = ProcessRunner.Run(reassembly, ["replay", Path.Combine(RepositoryPaths.Pcaps, "sample.pcap"), "-o", output, "-q"]);
        Assert.True(replay.ExitCode == 0, replay.StandardError);
        int expected = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Pcaps, "sample.json"))).RootElement.GetProperty("output_frames").GetInt32();
        Assert.Equal(expected, CapturedFrames.Read(output).Count);
    }
}
