namespace Reassembly.Parsing;

/// <summary>IPv6 header and extension header layouts (RFC 8200, sections 3 and 4) as constant offset chains.</summary>
internal static class Ipv6Header
{
    public const int VersionClassFlow = 0;
    public const int PayloadLength = VersionClassFlow + 4;
    public const int NextHeader = PayloadLength + 2;
    public const int HopLimit = NextHeader + 1;
    public const int SourceAddress = HopLimit + 1;
    public const int DestinationAddress = SourceAddress + 16;
    public const int Length = DestinationAddress + 16;

    /// <summary>Payload Length is 16 bits; larger datagrams need the jumbogram option, which excludes fragmentation.</summary>
    public const int MaximumPayloadLength = 65535;

    public const byte HopByHopOptions = 0;
    public const byte Routing = 43;
    public const byte Fragment = 44;
    public const byte DestinationOptions = 60;
    public const byte EncapsulatingSecurityPayload = 50;
    public const byte AuthenticationHeader = 51;
    public const byte NoNextHeader = 59;
    public const byte Mobility = 135;
    public const byte HostIdentity = 139;
    public const byte Shim6 = 140;
    public const byte Experimental1 = 253;
    public const byte Experimental2 = 254;

    // Upper-layer protocols whose header RFC 7112 wants whole in the first fragment.
    public const byte Tcp = 6;
    public const byte Udp = 17;
    public const byte Icmpv6 = 58;

    // Fragment header: next header(1) reserved(1) offset:13|res:2|M:1 (2) identification(4).
    public const int FragmentNextHeader = 0;
    public const int FragmentOffsetAndFlags = FragmentNextHeader + 2;
    public const int FragmentIdentification = FragmentOffsetAndFlags + 2;
    public const int FragmentHeaderLength = FragmentIdentification + 4;

    public const ushort FragmentOffsetMask = 0xFFF8;
    public const ushort MoreFragmentsFlag = 0x0001;

    // Generic extension header (hop-by-hop, routing, destination options): next header(1) length in 8-octet units
    // not counting the first 8 (1).
    public const int ExtensionNextHeader = 0;
    public const int ExtensionLength = 1;
}
