using System.Buffers.Binary;
using System.Collections.Frozen;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using Reassembly.Core;

namespace Reassembly.Policies;

/// <summary>
/// Chooses a new datagram's overlap policy from its destination: the longest matching route, else its namespace's
/// policy, else the family's default. Built once from the options; lookups allocate nothing.
/// </summary>
/// <remarks>
/// Routes are sorted by prefix length, longest first, so the first match is the answer; ties keep the order given.
/// The scan is linear because it runs once per datagram, not per fragment. Immutable, so that a table published by
/// <see cref="ReassemblyEngine.UpdateSettings"/> is read by workers without a lock.
/// </remarks>
internal sealed class PolicyTable
{
    private readonly Route[] _routes;
    private readonly OverlapPolicy _ipv4Default;
    private readonly OverlapPolicy _ipv6Default;

    // Null for the table the engine starts with: each namespace then carries its policy (cached with its name, read
    // without a lookup). A table built for an update brings the namespaces' new policies with it instead, since the
    // namespaces created before it keep the policy they were created with.
    private readonly FrozenDictionary<string, OverlapPolicy>? _namespacePolicies;

    public PolicyTable(ReassemblyOptions options, bool withNamespacePolicies = false)
    {
        if (withNamespacePolicies)
        {
            _namespacePolicies = new Dictionary<string, OverlapPolicy>(options.NamespacePolicies, StringComparer.Ordinal).ToFrozenDictionary(StringComparer.Ordinal);
        }

        _ipv4Default = options.OverlapPolicy;
        _ipv6Default = options.Ipv6OverlapPolicy ?? options.OverlapPolicy;
        _routes = new Route[options.PolicyRoutes.Count];
        Span<byte> bytes = stackalloc byte[16];
        for (int i = 0; i < _routes.Length; i++)
        {
            OverlapPolicyRoute route = options.PolicyRoutes[i];
            IPAddress address = route.Network.BaseAddress;
            bool ipv6 = address.AddressFamily == AddressFamily.InterNetworkV6;
            address.TryWriteBytes(bytes, out int written);
            UInt128 bits = ipv6 ? BinaryPrimitives.ReadUInt128BigEndian(bytes) : BinaryPrimitives.ReadUInt32BigEndian(bytes[..written]);
            _routes[i] = new Route(ipv6 ? IpFamily.Ipv6 : IpFamily.Ipv4, bits, route.Network.PrefixLength, route.Policy);
        }

        // A stable sort (by index on ties) so that equal prefixes keep the order the user gave.
        int[] order = new int[_routes.Length];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        Route[] unsorted = (Route[])_routes.Clone();
        Array.Sort(order, (a, b) => unsorted[a].PrefixLength != unsorted[b].PrefixLength ? unsorted[b].PrefixLength.CompareTo(unsorted[a].PrefixLength) : a.CompareTo(b));
        for (int i = 0; i < order.Length; i++)
        {
            _routes[i] = unsorted[order[i]];
        }
    }

    /// <summary>The policy of a new datagram.</summary>
    /// <param name="key">The datagram's key (family and destination).</param>
    /// <param name="namespacePolicy">The policy its namespace was created with, if any.</param>
    /// <param name="namespaceName">The namespace's name, looked up when this table carries namespace policies of its own.</param>
    public OverlapPolicy Resolve(in FragmentKey key, OverlapPolicy? namespacePolicy, string namespaceName)
    {
        if (_namespacePolicies is not null)
        {
            namespacePolicy = _namespacePolicies.TryGetValue(namespaceName, out OverlapPolicy updated) ? updated : null;
        }

        IpFamily family = key.Family;
        UInt128 destination = key.Destination;
        int width = family == IpFamily.Ipv4 ? 32 : 128;
        foreach (Route route in _routes)
        {
            if (route.Family == family && (route.PrefixLength == 0 || ((destination ^ route.Bits) >> (width - route.PrefixLength)) == UInt128.Zero))
            {
                return route.Policy;
            }
        }

        return namespacePolicy ?? (family == IpFamily.Ipv4 ? _ipv4Default : _ipv6Default);
    }

    private readonly record struct Route(IpFamily Family, UInt128 Bits, int PrefixLength, OverlapPolicy Policy);
}
