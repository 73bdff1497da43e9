using Reassembly.Host.Tests.Helpers;

namespace Reassembly.Host.Tests.Bench;

/// <summary>
/// bench/dictionary.sh measures the engine against itself with ConcurrentDictionary in place of its rhashtables, built
/// from bench/dictionary/FragmentQueueDirectory.patch. The patch must keep applying to today's source and keep
/// replacing every use of the table, or that comparison would quietly stop being possible (or measure the table twice).
/// </summary>
public sealed class DictionaryPatchTests
{
    [Fact]
    public void The_dictionary_patch_applies_to_todays_directory_and_replaces_every_use_of_the_table()
    {
        using var temp = new TempDirectory();
        string relative = Path.Combine("src", "Reassembly", "Core", "FragmentQueueDirectory.cs");
        string copy = Path.Combine(temp.Path, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        File.Copy(Path.Combine(RepositoryPaths.Root, relative), copy);
        string patch = Path.Combine(RepositoryPaths.Root, "bench", "dictionary", "FragmentQueueDirectory.patch");

        // Its own repository, as dictionary.sh makes it: git apply inside another repository skips paths outside the
        // working directory and succeeds having changed nothing.
        ProcessRunner.Result init = ProcessRunner.Run("git", ["-C", temp.Path, "init", "-q"]);
        Assert.True(init.ExitCode == 0, init.StandardError);
        ProcessRunner.Result apply = ProcessRunner.Run("git", ["-C", temp.Path, "apply", patch]);
        Assert.True(apply.ExitCode == 0, apply.StandardError);

        string patched = File.ReadAllText(copy);
        Assert.Contains("ConcurrentDictionary<FragmentKey, FragmentQueue>", patched, StringComparison.Ordinal);
        Assert.DoesNotContain("_table.Lookup(", patched, StringComparison.Ordinal);
        Assert.DoesNotContain("_table.InsertIfAbsent(", patched, StringComparison.Ordinal);
        Assert.DoesNotContain("_table.Remove(", patched, StringComparison.Ordinal);
    }
}
