using System.Globalization;
using System.Net;

namespace Reassembly.Host.Policies;

/// <summary>
/// Reads a <c>--policy-map</c> file: one route per line, a destination range and a policy name separated by white
/// space (<c>10.0.0.0/8 windows</c>, <c>2001:db8::/32 bsd</c>, a bare address meaning that one host); <c>#</c> starts
/// a comment; blank lines are ignored. The longest prefix holding a datagram's destination wins.
/// </summary>
internal static class PolicyMapFile
{
    /// <summary>Parses the file. Throws <see cref="FormatException"/> naming the file and line of the first bad entry.</summary>
    public static List<OverlapPolicyRoute> Read(string path) => Parse(File.ReadLines(path), path);

    /// <summary>
    /// Parses routes given as lines in the file's syntax (the daemon's <c>PolicyRoutes</c> setting); errors name
    /// <paramref name="source"/> and the line's position from 1.
    /// </summary>
    public static List<OverlapPolicyRoute> Parse(IEnumerable<string> lines, string source)
    {
        string path = source;
        var routes = new List<OverlapPolicyRoute>();
        int lineNumber = 0;
        foreach (string rawLine in lines)
        {
            lineNumber++;
            int comment = rawLine.IndexOf('#', StringComparison.Ordinal);
            string line = (comment >= 0 ? rawLine[..comment] : rawLine).Trim();
            if (line.Length == 0)
            {
                continue;
            }

            string[] fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 2)
            {
                throw Bad(path, lineNumber, "expected a range and a policy name");
            }

            if (!TryParseNetwork(fields[0], out IPNetwork network))
            {
                throw Bad(path, lineNumber, $"'{fields[0]}' is not an address or a CIDR range with zero host bits");
            }

            if (!OverlapPolicyNames.TryParse(fields[1], out OverlapPolicy policy))
            {
                throw Bad(path, lineNumber, $"'{fields[1]}' is not a policy (one of {string.Join(", ", OverlapPolicyNames.All)})");
            }

            routes.Add(new OverlapPolicyRoute(network, policy));
        }

        return routes;
    }

    private static bool TryParseNetwork(string text, out IPNetwork network)
    {
        if (text.Contains('/', StringComparison.Ordinal))
        {
            return IPNetwork.TryParse(text, out network);
        }

        if (IPAddress.TryParse(text, out IPAddress? address))
        {
            network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        network = default;
        return false;
    }

    private static FormatException Bad(string path, int line, string why) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{path}:{line}: {why}"));
}
