using Reassembly.Core;

namespace Reassembly.Parsing;

/// <summary>Where a fragment's pieces sit inside its frame, filled in by the IPv4 and IPv6 parsers.</summary>
internal struct FragmentDescriptor
{
    /// <summary>The reassembly key, VLAN stack included.</summary>
    public FragmentKey Key;

    /// <summary>Offset of the IP header within the frame; also the link-layer header's length.</summary>
    public int NetworkOffset;

    /// <summary>
    /// Length of the header that the reassembled datagram inherits from the first fragment: the IPv4 header with its
    /// options, or the IPv6 header plus the extension headers that precede the Fragment header.
    /// </summary>
    public int HeaderLength;

    /// <summary>Offset of the fragment's data within the frame.</summary>
    public int DataOffset;

    /// <summary>The fragment's position in the datagram's fragmentable part, in bytes.</summary>
    public int FragmentOffset;

    /// <summary>Bytes of data the fragment carries (IP length field bounded, link-layer padding excluded).</summary>
    public int DataLength;

    /// <summary>True unless this is the datagram's last fragment.</summary>
    public bool MoreFragments;

    /// <summary>IPv6: offset, from the IP header, of the Next Header byte that names the Fragment header.</summary>
    public int NextHeaderFieldOffset;

    /// <summary>IPv6: the Fragment header's own Next Header, which takes its place after reassembly.</summary>
    public byte FragmentNextHeader;

    /// <summary>
    /// 6LoWPAN: the fragment header's dispatch (<see cref="Lowpan.LowpanDispatch.Frag1"/> or
    /// <see cref="Lowpan.LowpanDispatch.FragN"/>), 0 for an unfragmented packet. The data then starts at the compressed
    /// header (FRAG1, unfragmented) or at the datagram bytes (FRAGN).
    /// </summary>
    public byte LowpanDispatch;

    public readonly int FragmentEnd => FragmentOffset + DataLength;
}
