namespace Reassembly.Capture.PcapNg;

/// <summary>The pcapng block types this library acts on; every other type is skipped by its length.</summary>
internal static class PcapNgBlockType
{
    /// <summary>Interface description block.</summary>
    public const uint InterfaceDescription = 0x00000001;

    /// <summary>Obsolete packet block, still written by old tools.</summary>
    public const uint Packet = 0x00000002;

    /// <summary>Simple packet block: no interface id (always 0), no timestamp.</summary>
    public const uint SimplePacket = 0x00000003;

    /// <summary>Enhanced packet block.</summary>
    public const uint EnhancedPacket = 0x00000006;

    /// <summary>Section header block. A palindrome in bytes, so it reads the same before the byte order is known.</summary>
    public const uint SectionHeader = 0x0A0D0D0A;
}
