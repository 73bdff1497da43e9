namespace Reassembly;

/// <summary>The names of <see cref="AnomalyKind"/> values in events and statistics (kebab case, stable).</summary>
public static class AnomalyKindNames
{
    private static readonly string[] Names =
    [
        "overlap", "teardrop", "oversize", "tiny-first-fragment", "too-many-fragments", "duplicate", "conflicting-end",
        "past-end", "not-multiple-of-8", "zero-length", "timeout", "eviction", "ip-id-distance-reset",
        "ipv6-incomplete-header-chain", "ipv6-atomic-fragment", "ipv6-header-mismatch", "refusal", "lowpan-unsupported",
    ];

    /// <summary>How many kinds there are.</summary>
    public static int Count => Names.Length;

    /// <summary>The name of <paramref name="kind"/>, for instance <c>tiny-first-fragment</c>.</summary>
    public static string ToName(AnomalyKind kind) => Names[(int)kind];
}
