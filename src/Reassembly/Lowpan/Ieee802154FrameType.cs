namespace Reassembly.Lowpan;

/// <summary>The IEEE 802.15.4 frame types (frame control bits 0-2) the parser names.</summary>
internal enum Ieee802154FrameType : byte
{
    Beacon = 0,

    /// <summary>The only type that carries 6LoWPAN.</summary>
    Data = 1,

    Acknowledgment = 2,

    MacCommand = 3,
}
