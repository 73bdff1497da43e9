using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;

namespace Reassembly.Lowpan;

/// <summary>
/// The 16 contexts of RFC 6282 section 3.1.2 (shared prefixes that stateful address compression refers to by a 4-bit
/// index), as configured by <see cref="ReassemblyOptions.LowpanContexts"/>. Read-only once built, so every worker
/// shares one. A context that is not configured is never guessed: addresses that use it are unsupported.
/// </summary>
internal sealed class LowpanContextTable
{
    public const int Count = 16;

    private readonly byte[] _prefixes = new byte[Count * 16];
    private readonly int[] _lengths = new int[Count];

    public LowpanContextTable(IReadOnlyDictionary<int, IPNetwork>? contexts)
    {
        Array.Fill(_lengths, -1);
        if (contexts is null)
        {
            return;
        }

        foreach ((int id, IPNetwork network) in contexts)
        {
            network.BaseAddress.TryWriteBytes(_prefixes.AsSpan(id * 16, 16), out _);
            _lengths[id] = network.PrefixLength;
        }
    }

    /// <summary>Checks user-supplied contexts: ids 0-15, IPv6 prefixes only.</summary>
    public static void Validate(IReadOnlyDictionary<int, IPNetwork>? contexts)
    {
        if (contexts is null)
        {
            return;
        }

        foreach ((int id, IPNetwork network) in contexts)
        {
            if (id is < 0 or >= Count)
            {
                throw new ArgumentOutOfRangeException(nameof(contexts), id, "6LoWPAN context ids are 0 to 15.");
            }

            if (network.BaseAddress.AddressFamily != AddressFamily.InterNetworkV6)
            {
                throw new ArgumentOutOfRangeException(nameof(contexts), network, "A 6LoWPAN context is an IPv6 prefix.");
            }
        }
    }

    /// <summary>The prefix of context <paramref name="id"/> (16 octets, zero past its length), or false if it is not configured.</summary>
    public bool TryGet(int id, out ReadOnlySpan<byte> prefix, out int prefixLength)
    {
        prefixLength = _lengths[id];
        prefix = _prefixes.AsSpan(id * 16, 16);
        return prefixLength >= 0;
    }
}
