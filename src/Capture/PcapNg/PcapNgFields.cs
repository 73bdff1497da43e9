namespace Reassembly.Capture.PcapNg;

/// <summary>
/// Byte offsets and lengths of the pcapng blocks this library reads or writes (draft-ietf-opsawg-pcapng), each offset the
/// previous one plus its length. Block-body offsets count from the end of the 8-byte generic header.
/// </summary>
internal static class PcapNgFields
{
    // Generic block: type, total length, body, total length again.
    public const int BlockTypeOffset = 0;
    public const int BlockTypeLength = 4;
    public const int BlockLengthOffset = BlockTypeOffset + BlockTypeLength;
    public const int BlockLengthLength = 4;
    public const int BlockHeaderLength = BlockLengthOffset + BlockLengthLength;
    public const int BlockTrailerLength = 4;
    public const int MinimumBlockLength = BlockHeaderLength + BlockTrailerLength;

    // Section header block body.
    public const int ShbByteOrderMagicOffset = 0;
    public const int ShbByteOrderMagicLength = 4;
    public const int ShbVersionMajorOffset = ShbByteOrderMagicOffset + ShbByteOrderMagicLength;
    public const int ShbVersionMajorLength = 2;
    public const int ShbVersionMinorOffset = ShbVersionMajorOffset + ShbVersionMajorLength;
    public const int ShbVersionMinorLength = 2;
    public const int ShbSectionLengthOffset = ShbVersionMinorOffset + ShbVersionMinorLength;
    public const int ShbSectionLengthLength = 8;
    public const int ShbFixedLength = ShbSectionLengthOffset + ShbSectionLengthLength;

    /// <summary>The byte-order magic, absolute within the block: needed before the length can be decoded.</summary>
    public const int ShbByteOrderMagicAbsoluteOffset = BlockHeaderLength + ShbByteOrderMagicOffset;

    /// <summary>Bytes needed to decode any block's length: the SHB's byte-order magic comes right after the generic header.</summary>
    public const int BlockPeekLength = ShbByteOrderMagicAbsoluteOffset + ShbByteOrderMagicLength;

    // Interface description block body, then options.
    public const int IdbLinkTypeOffset = 0;
    public const int IdbLinkTypeLength = 2;
    public const int IdbReservedOffset = IdbLinkTypeOffset + IdbLinkTypeLength;
    public const int IdbReservedLength = 2;
    public const int IdbSnapLengthOffset = IdbReservedOffset + IdbReservedLength;
    public const int IdbSnapLengthLength = 4;
    public const int IdbFixedLength = IdbSnapLengthOffset + IdbSnapLengthLength;

    // Enhanced packet block body, then data padded to 4, then options.
    public const int EpbInterfaceIdOffset = 0;
    public const int EpbInterfaceIdLength = 4;
    public const int EpbTimestampHighOffset = EpbInterfaceIdOffset + EpbInterfaceIdLength;
    public const int EpbTimestampHighLength = 4;
    public const int EpbTimestampLowOffset = EpbTimestampHighOffset + EpbTimestampHighLength;
    public const int EpbTimestampLowLength = 4;
    public const int EpbCapturedLengthOffset = EpbTimestampLowOffset + EpbTimestampLowLength;
    public const int EpbCapturedLengthLength = 4;
    public const int EpbOriginalLengthOffset = EpbCapturedLengthOffset + EpbCapturedLengthLength;
    public const int EpbOriginalLengthLength = 4;
    public const int EpbFixedLength = EpbOriginalLengthOffset + EpbOriginalLengthLength;

    // Simple packet block body, then data padded to 4.
    public const int SpbOriginalLengthOffset = 0;
    public const int SpbOriginalLengthLength = 4;
    public const int SpbFixedLength = SpbOriginalLengthOffset + SpbOriginalLengthLength;

    // Obsolete packet block body (type 2), then data padded to 4, then options.
    public const int PbInterfaceIdOffset = 0;
    public const int PbInterfaceIdLength = 2;
    public const int PbDropsCountOffset = PbInterfaceIdOffset + PbInterfaceIdLength;
    public const int PbDropsCountLength = 2;
    public const int PbTimestampHighOffset = PbDropsCountOffset + PbDropsCountLength;
    public const int PbTimestampHighLength = 4;
    public const int PbTimestampLowOffset = PbTimestampHighOffset + PbTimestampHighLength;
    public const int PbTimestampLowLength = 4;
    public const int PbCapturedLengthOffset = PbTimestampLowOffset + PbTimestampLowLength;
    public const int PbCapturedLengthLength = 4;
    public const int PbOriginalLengthOffset = PbCapturedLengthOffset + PbCapturedLengthLength;
    public const int PbOriginalLengthLength = 4;
    public const int PbFixedLength = PbOriginalLengthOffset + PbOriginalLengthLength;

    // Option: code, value length, value padded to 4.
    public const int OptionCodeOffset = 0;
    public const int OptionCodeLength = 2;
    public const int OptionLengthOffset = OptionCodeOffset + OptionCodeLength;
    public const int OptionLengthLength = 2;
    public const int OptionHeaderLength = OptionLengthOffset + OptionLengthLength;

    public const ushort OptionEndOfOptions = 0;
    public const ushort OptionIfName = 2;
    public const ushort OptionIfTsResol = 9;
    public const ushort OptionIfTsOffset = 14;

    /// <summary>The byte-order magic as it reads in the section's own byte order.</summary>
    public const uint ByteOrderMagic = 0x1A2B3C4D;

    /// <summary>The only major version defined; readers must reject others.</summary>
    public const ushort VersionMajor = 1;

    /// <summary>The minor version writers emit.</summary>
    public const ushort VersionMinor = 0;

    /// <summary>if_tsresol: when the top bit is set, the low 7 bits are a negative power of two, otherwise of ten.</summary>
    public const byte TsResolPowerOfTwoFlag = 0x80;

    /// <summary>Rounds a length up to the 32-bit boundary that pcapng pads every field to.</summary>
    public static int Pad4(int length) => (length + 3) & ~3;
}
