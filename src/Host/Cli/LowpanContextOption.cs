using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Reassembly.Host.Cli;

/// <summary>Parses a <c>--lowpan-context ID=PREFIX/LEN</c> value.</summary>
internal static class LowpanContextOption
{
    public static bool TryParse(string entry, out int id, out IPNetwork prefix, [NotNullWhen(false)] out string? error)
    {
        prefix = default;
        id = -1;
        int split = entry.IndexOf('=', StringComparison.Ordinal);
        if (split <= 0 || !int.TryParse(entry.AsSpan(0, split), NumberStyles.None, CultureInfo.InvariantCulture, out id) || id > 15)
        {
            error = "expected ID=PREFIX/LEN with an id from 0 to 15.";
            return false;
        }

        // IPNetwork.TryParse refuses a prefix with bits set past its length, which a context (an address's first bits) may well have.
        string network = entry[(split + 1)..];
        int slash = network.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0
            || !IPAddress.TryParse(network.AsSpan(0, slash), out IPAddress? address)
            || address.AddressFamily != AddressFamily.InterNetworkV6
            || !int.TryParse(network.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int length)
            || length > 128)
        {
            error = "expected an IPv6 prefix as ADDRESS/LEN (LEN 0 to 128).";
            return false;
        }

        prefix = new IPNetwork(Masked(address, length), length);
        error = null;
        return true;
    }

    private static IPAddress Masked(IPAddress address, int length)
    {
        byte[] bytes = address.GetAddressBytes();
        for (int bit = length; bit < 128; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        return new IPAddress(bytes);
    }
}
