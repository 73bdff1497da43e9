using System.Net;

namespace Reassembly;

/// <summary>
/// The overlap policy for datagrams sent to one destination range, like Suricata's <c>host-os-policy</c>: among the
/// routes whose <see cref="Network"/> holds a datagram's destination, the longest prefix wins.
/// </summary>
/// <param name="Network">The destination range, IPv4 or IPv6.</param>
/// <param name="Policy">The policy for datagrams sent into it.</param>
public sealed record OverlapPolicyRoute(IPNetwork Network, OverlapPolicy Policy);
