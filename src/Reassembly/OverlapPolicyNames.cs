using System.Collections.Generic;
using System.Collections.ObjectModel;

namespace Reassembly;

/// <summary>The names of <see cref="OverlapPolicy"/> values on the command line and in configuration.</summary>
public static class OverlapPolicyNames
{
    private static readonly string[] Names = ["linux-modern", "first", "last", "bsd", "bsd-right", "linux", "windows", "solaris"];
    private static readonly ReadOnlyCollection<string> ReadOnlyNames = Array.AsReadOnly(Names);

    /// <summary>Every policy name, in <see cref="OverlapPolicy"/> order.</summary>
    public static IReadOnlyList<string> All => ReadOnlyNames;

    /// <summary>The name of <paramref name="policy"/>: <c>linux-modern</c>, <c>first</c>, <c>last</c>, <c>bsd</c>, <c>bsd-right</c>, <c>linux</c>, <c>windows</c> or <c>solaris</c>.</summary>
    public static string ToName(OverlapPolicy policy) => Names[(int)policy];

    /// <summary>Parses a policy name (exact, lower case). Returns false for anything else.</summary>
    public static bool TryParse(string? name, out OverlapPolicy policy)
    {
        int index = Array.IndexOf(Names, name);
        policy = index < 0 ? OverlapPolicy.LinuxModern : (OverlapPolicy)index;
        return index >= 0;
    }
}
