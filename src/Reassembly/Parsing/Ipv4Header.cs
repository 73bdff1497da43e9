namespace Reassembly.Parsing;

/// <summary>IPv4 header layout (RFC 791, section 3.1) as a constant offset chain.</summary>
internal static class Ipv4Header
{
    public const int VersionAndIhl = 0;
    public const int TypeOfService = VersionAndIhl + 1;
    public const int TotalLength = TypeOfService + 1;
    public const int Identification = TotalLength + 2;
    public const int FlagsAndFragmentOffset = Identification + 2;
    public const int TimeToLive = FlagsAndFragmentOffset + 2;
    public const int Protocol = TimeToLive + 1;
    public const int HeaderChecksum = Protocol + 1;
    public const int SourceAddress = HeaderChecksum + 2;
    public const int DestinationAddress = SourceAddress + 4;
    public const int MinimumLength = DestinationAddress + 4;

    /// <summary>IHL is a 4-bit count of 32-bit words, so options end at 60 bytes.</summary>
    public const int MaximumLength = 60;

    public const ushort MoreFragmentsFlag = 0x2000;
    public const ushort FragmentOffsetMask = 0x1FFF;

    /// <summary>The DF and reserved ("evil") bits, which reassembly keeps from the first fragment.</summary>
    public const ushort PreservedFlagsMask = 0xC000;

    /// <summary>RFC 791 caps a datagram at 65535 octets, header included.</summary>
    public const int MaximumDatagramLength = 65535;
}
