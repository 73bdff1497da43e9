using System.Buffers.Binary;

namespace Reassembly.Lowpan;

/// <summary>
/// A link-layer address as Linux's <c>struct ieee802154_addr</c> holds it: mode, PAN ID and the short or extended
/// address, as a number (the frame carries both least significant octet first).
/// </summary>
internal readonly record struct Ieee802154Address(Ieee802154AddressMode Mode, ushort PanId, ulong Value)
{
    /// <summary>
    /// The interface identifier RFC 4944 section 6 and RFC 6282 section 3.2.2 derive from the address: an extended
    /// address with its universal/local bit inverted (modified EUI-64), a short address as <c>0000:00ff:fe00:XXXX</c>
    /// (the PAN ID left out, as RFC 6282, Linux and Wireshark do). False when there is no address to derive from.
    /// </summary>
    public bool TryWriteInterfaceId(Span<byte> interfaceId)
    {
        switch (Mode)
        {
            case Ieee802154AddressMode.Extended:
                BinaryPrimitives.WriteUInt64BigEndian(interfaceId, Value);
                interfaceId[0] ^= 0x02;
                return true;
            case Ieee802154AddressMode.Short:
                interfaceId[..6].Clear();
                interfaceId[3] = 0xFF;
                interfaceId[4] = 0xFE;
                BinaryPrimitives.WriteUInt16BigEndian(interfaceId[6..], (ushort)Value);
                return true;
            default:
                return false;
        }
    }

    /// <summary>The address packed into the two words a <see cref="Core.FragmentKey"/> holds per address.</summary>
    public (ulong High, ulong Low) ToKeyWords() => (((ulong)Mode << 16) | PanId, Value);

    /// <summary>The inverse of <see cref="ToKeyWords"/>, from a key's 128-bit address.</summary>
    public static Ieee802154Address FromKeyBits(UInt128 bits)
    {
        ulong high = (ulong)(bits >> 64);
        return new((Ieee802154AddressMode)((high >> 16) & 3), (ushort)high, (ulong)bits);
    }

    /// <summary>
    /// The IPv6 link-local address of the interface (<c>fe80::</c> and <see cref="TryWriteInterfaceId"/>), or <c>::</c>
    /// without an address: how anomaly events name a 6LoWPAN datagram's ends.
    /// </summary>
    public UInt128 ToLinkLocal()
    {
        Span<byte> address = stackalloc byte[16];
        address.Clear();
        if (TryWriteInterfaceId(address[8..]))
        {
            address[0] = 0xFE;
            address[1] = 0x80;
        }

        return BinaryPrimitives.ReadUInt128BigEndian(address);
    }
}
