using System.Buffers.Binary;
using Reassembly.Core;

namespace Reassembly.Lowpan;

/// <summary>
/// LOWPAN_IPHC decompression (RFC 6282 section 3): rebuilds the 40-octet IPv6 header, and the 8-octet UDP header when
/// the next header is NHC-compressed UDP (section 4.3, <see cref="NhcUdp"/>), from the compressed header at the start of
/// a FRAG1 or unfragmented 6LoWPAN payload. Linux does the same in <c>lowpan_header_decompress</c> (net/6lowpan/iphc.c)
/// as the FRAG1 arrives, so that the queue holds uncompressed bytes and every fragment offset is one in the
/// uncompressed datagram.
/// </summary>
/// <remarks>
/// <para>Elided fields: the payload length (and the UDP length) come from datagram_size for a fragment, else from the
/// frame's length (RFC 6282 3.2.3: "inferred from lower layers"); elided addresses from the link-layer (or mesh)
/// addresses; stateful forms from the configured contexts.</para>
/// <para>Unsupported, counted and never guessed: a context that is not configured, an elided address with no
/// link-layer address to derive it from, the reserved DAC=1/DAM=00 unicast and DAC=1/DAM!=00 multicast forms, and every
/// NHC other than UDP (extension headers, RFC 7400 GHC).</para>
/// </remarks>
internal static class IphcDecompressor
{
    public const int Ipv6HeaderLength = 40;

    /// <summary>The most decompression writes: the IPv6 header and a UDP header.</summary>
    public const int MaximumHeaderLength = Ipv6HeaderLength + NhcUdp.HeaderLength;

    private const int IphcBaseLength = 2;
    private const byte UdpProtocol = 17;

    // First octet: 011 TF(2) NH(1) HLIM(2).
    private const int TfShift = 3;
    private const int NextHeaderBit = 0x04;
    private const int HopLimitMask = 0x03;

    // Second octet: CID SAC SAM(2) M DAC DAM(2).
    private const int CidBit = 0x80;
    private const int SacBit = 0x40;
    private const int SamShift = 4;
    private const int MulticastBit = 0x08;
    private const int DacBit = 0x04;
    private const int DamMask = 0x03;

    // IPv6 header offsets.
    private const int PayloadLengthOffset = 4;
    private const int NextHeaderOffset = 6;
    private const int HopLimitOffset = 7;
    private const int SourceOffset = 8;
    private const int DestinationOffset = SourceOffset + 16;

    /// <summary>
    /// Decompresses the IPHC header at the start of <paramref name="input"/> into <paramref name="header"/> (at least
    /// <see cref="MaximumHeaderLength"/> octets).
    /// </summary>
    /// <param name="input">From the IPHC dispatch to the end of the frame's payload.</param>
    /// <param name="key">The packet's key: its link-layer addresses are what elided addresses derive from.</param>
    /// <param name="contexts">The configured contexts.</param>
    /// <param name="datagramSize">FRAG1's datagram_size, or 0 for an unfragmented packet.</param>
    /// <param name="header">Receives the IPv6 header (and the UDP header).</param>
    /// <param name="consumed">Octets of <paramref name="input"/> the compressed header took.</param>
    /// <param name="written">Octets written to <paramref name="header"/>.</param>
    /// <param name="udpChecksumElided">True when the UDP checksum was elided (C=1) and must be computed once the datagram is whole.</param>
    public static LowpanDecodeStatus Decompress(
        ReadOnlySpan<byte> input, in FragmentKey key, LowpanContextTable contexts, int datagramSize, Span<byte> header, out int consumed, out int written, out bool udpChecksumElided)
    {
        consumed = 0;
        written = 0;
        udpChecksumElided = false;
        if (input.Length < IphcBaseLength)
        {
            return LowpanDecodeStatus.Malformed;
        }

        header[..Ipv6HeaderLength].Clear();
        int first = input[0];
        int second = input[1];
        int at = IphcBaseLength;
        int sourceContext = 0;
        int destinationContext = 0;
        if ((second & CidBit) != 0)
        {
            if (input.Length < at + 1)
            {
                return LowpanDecodeStatus.Malformed;
            }

            sourceContext = input[at] >> 4;
            destinationContext = input[at] & 0x0F;
            at++;
        }

        if (!TryTrafficClassAndFlowLabel(input, ref at, (first >> TfShift) & 3, header))
        {
            return LowpanDecodeStatus.Malformed;
        }

        bool nextHeaderCompressed = (first & NextHeaderBit) != 0;
        if (!nextHeaderCompressed)
        {
            if (input.Length < at + 1)
            {
                return LowpanDecodeStatus.Malformed;
            }

            header[NextHeaderOffset] = input[at++];
        }

        switch (first & HopLimitMask)
        {
            case 0:
                if (input.Length < at + 1)
                {
                    return LowpanDecodeStatus.Malformed;
                }

                header[HopLimitOffset] = input[at++];
                break;
            case 1:
                header[HopLimitOffset] = 1;
                break;
            case 2:
                header[HopLimitOffset] = 64;
                break;
            default:
                header[HopLimitOffset] = 255;
                break;
        }

        Ieee802154Address linkSource = Ieee802154Address.FromKeyBits(key.Source);
        Ieee802154Address linkDestination = Ieee802154Address.FromKeyBits(key.Destination);
        int sam = (second >> SamShift) & 3;
        Span<byte> source = header.Slice(SourceOffset, 16);
        LowpanDecodeStatus status = (second & SacBit) != 0
            ? sam == 0
                ? LowpanDecodeStatus.Ok // SAC=1, SAM=00: the unspecified address, already zero.
                : StatefulUnicast(input, ref at, sam, contexts, sourceContext, in linkSource, source)
            : StatelessUnicast(input, ref at, sam, in linkSource, source);
        if (status != LowpanDecodeStatus.Ok)
        {
            return status;
        }

        int dam = second & DamMask;
        bool dac = (second & DacBit) != 0;
        Span<byte> destination = header.Slice(DestinationOffset, 16);
        if ((second & MulticastBit) != 0)
        {
            status = dac
                ? dam == 0 ? PrefixBasedMulticast(input, ref at, contexts, destinationContext, destination) : LowpanDecodeStatus.Unsupported
                : Multicast(input, ref at, dam, destination);
        }
        else
        {
            status = dac
                ? dam == 0 ? LowpanDecodeStatus.Unsupported : StatefulUnicast(input, ref at, dam, contexts, destinationContext, in linkDestination, destination)
                : StatelessUnicast(input, ref at, dam, in linkDestination, destination);
        }

        if (status != LowpanDecodeStatus.Ok)
        {
            return status;
        }

        written = Ipv6HeaderLength;
        bool udp = false;
        if (nextHeaderCompressed)
        {
            if (input.Length < at + 1)
            {
                return LowpanDecodeStatus.Malformed;
            }

            if (!NhcUdp.IsUdp(input[at]))
            {
                // IPv6 extension header NHC (1110xxxx) and anything else: not implemented.
                return LowpanDecodeStatus.Unsupported;
            }

            status = NhcUdp.Decompress(input, ref at, header.Slice(Ipv6HeaderLength, NhcUdp.HeaderLength), out udpChecksumElided);
            if (status != LowpanDecodeStatus.Ok)
            {
                return status;
            }

            header[NextHeaderOffset] = UdpProtocol;
            written += NhcUdp.HeaderLength;
            udp = true;
        }

        consumed = at;
        header[0] = (byte)(0x60 | (header[0] & 0x0F));
        int total = datagramSize != 0 ? datagramSize : written + input.Length - at;
        if (total < written || total - Ipv6HeaderLength > ushort.MaxValue)
        {
            return LowpanDecodeStatus.Malformed;
        }

        BinaryPrimitives.WriteUInt16BigEndian(header[PayloadLengthOffset..], (ushort)(total - Ipv6HeaderLength));
        if (udp)
        {
            // RFC 6282 4.3.3: the UDP length is always elided and "inferred from the IPv6 Payload Length"; the UDP
            // header follows the IPv6 header directly here (no extension header NHC).
            BinaryPrimitives.WriteUInt16BigEndian(header[(Ipv6HeaderLength + NhcUdp.LengthOffset)..], (ushort)(total - Ipv6HeaderLength));
        }

        return LowpanDecodeStatus.Ok;
    }

    /// <summary>
    /// TF (3.1.1): 00 ECN+DSCP and flow label inline (4 octets), 01 ECN and flow label (3), 10 ECN+DSCP (1), 11 all
    /// elided. The inline traffic class octet is ECN then DSCP, the IPv6 one DSCP then ECN.
    /// </summary>
    private static bool TryTrafficClassAndFlowLabel(ReadOnlySpan<byte> input, ref int at, int tf, Span<byte> header)
    {
        int length = tf switch { 0 => 4, 1 => 3, 2 => 1, _ => 0 };
        if (input.Length < at + length)
        {
            return false;
        }

        int ecn = 0, dscp = 0, flowLabel = 0;
        ReadOnlySpan<byte> inline = input.Slice(at, length);
        switch (tf)
        {
            case 0:
                ecn = inline[0] >> 6;
                dscp = inline[0] & 0x3F;
                flowLabel = ((inline[1] & 0x0F) << 16) | (inline[2] << 8) | inline[3];
                break;
            case 1:
                ecn = inline[0] >> 6;
                flowLabel = ((inline[0] & 0x0F) << 16) | (inline[1] << 8) | inline[2];
                break;
            case 2:
                ecn = inline[0] >> 6;
                dscp = inline[0] & 0x3F;
                break;
        }

        int trafficClass = (dscp << 2) | ecn;
        BinaryPrimitives.WriteUInt32BigEndian(header, (6u << 28) | ((uint)trafficClass << 20) | (uint)flowLabel);
        at += length;
        return true;
    }

    /// <summary>SAC/DAC=0 (3.1.1): 00 128 bits inline; 01 fe80::/64 and 64 bits; 10 fe80::ff:fe00:XXXX; 11 fe80:: and the link-layer IID.</summary>
    private static LowpanDecodeStatus StatelessUnicast(ReadOnlySpan<byte> input, ref int at, int mode, in Ieee802154Address link, Span<byte> address)
    {
        if (mode == 0)
        {
            return TryCopy(input, ref at, address) ? LowpanDecodeStatus.Ok : LowpanDecodeStatus.Malformed;
        }

        LowpanDecodeStatus status = InterfaceId(input, ref at, mode, in link, address[8..]);
        if (status == LowpanDecodeStatus.Ok)
        {
            address[0] = 0xFE;
            address[1] = 0x80;
        }

        return status;
    }

    /// <summary>
    /// SAC/DAC=1, mode 01-11 (3.1.1): the IID as in the stateless form, the prefix from the context; the context's
    /// bits win over the IID's where the prefix is longer than 64 bits ("any IID bits not covered by context
    /// information are taken directly from the corresponding bits carried in-line or derived").
    /// </summary>
    private static LowpanDecodeStatus StatefulUnicast(ReadOnlySpan<byte> input, ref int at, int mode, LowpanContextTable contexts, int context, in Ieee802154Address link, Span<byte> address)
    {
        if (!contexts.TryGet(context, out ReadOnlySpan<byte> prefix, out int prefixLength))
        {
            return LowpanDecodeStatus.Unsupported;
        }

        LowpanDecodeStatus status = InterfaceId(input, ref at, mode, in link, address[8..]);
        if (status != LowpanDecodeStatus.Ok)
        {
            return status;
        }

        CopyPrefixBits(prefix, prefixLength, address);
        return LowpanDecodeStatus.Ok;
    }

    private static LowpanDecodeStatus InterfaceId(ReadOnlySpan<byte> input, ref int at, int mode, in Ieee802154Address link, Span<byte> interfaceId)
    {
        switch (mode)
        {
            case 1:
                return TryCopy(input, ref at, interfaceId) ? LowpanDecodeStatus.Ok : LowpanDecodeStatus.Malformed;
            case 2:
                interfaceId[3] = 0xFF;
                interfaceId[4] = 0xFE;
                return TryCopy(input, ref at, interfaceId[6..]) ? LowpanDecodeStatus.Ok : LowpanDecodeStatus.Malformed;
            default:
                // Fully elided: only a frame with that link-layer address says what it is.
                return link.TryWriteInterfaceId(interfaceId) ? LowpanDecodeStatus.Ok : LowpanDecodeStatus.Unsupported;
        }
    }

    /// <summary>M=1, DAC=0 (3.1.1): 00 128 bits; 01 ffXX::00XX:XXXX:XXXX; 10 ffXX::00XX:XXXX; 11 ff02::00XX.</summary>
    private static LowpanDecodeStatus Multicast(ReadOnlySpan<byte> input, ref int at, int mode, Span<byte> address)
    {
        int length = mode switch { 0 => 16, 1 => 6, 2 => 4, _ => 1 };
        if (input.Length < at + length)
        {
            return LowpanDecodeStatus.Malformed;
        }

        ReadOnlySpan<byte> inline = input.Slice(at, length);
        at += length;
        address[0] = 0xFF;
        switch (mode)
        {
            case 0:
                inline.CopyTo(address);
                break;
            case 1:
                address[1] = inline[0];
                inline[1..].CopyTo(address[11..]);
                break;
            case 2:
                address[1] = inline[0];
                inline[1..].CopyTo(address[13..]);
                break;
            default:
                address[1] = 0x02;
                address[15] = inline[0];
                break;
        }

        return LowpanDecodeStatus.Ok;
    }

    /// <summary>
    /// M=1, DAC=1, DAM=00 (3.1.1): the unicast-prefix-based multicast address of RFC 3306,
    /// <c>ffXX:XXLL:PPPP:PPPP:PPPP:PPPP:XXXX:XXXX</c>, 48 bits inline, prefix length and up to 64 prefix bits from the context.
    /// </summary>
    private static LowpanDecodeStatus PrefixBasedMulticast(ReadOnlySpan<byte> input, ref int at, LowpanContextTable contexts, int context, Span<byte> address)
    {
        if (input.Length < at + 6)
        {
            return LowpanDecodeStatus.Malformed;
        }

        if (!contexts.TryGet(context, out ReadOnlySpan<byte> prefix, out int prefixLength))
        {
            return LowpanDecodeStatus.Unsupported;
        }

        ReadOnlySpan<byte> inline = input.Slice(at, 6);
        at += 6;
        int length = Math.Min(prefixLength, 64);
        address[0] = 0xFF;
        address[1] = inline[0];
        address[2] = inline[1];
        address[3] = (byte)length;
        Span<byte> prefixField = address.Slice(4, 8);
        prefixField.Clear();
        CopyPrefixBits(prefix, length, prefixField);
        inline[2..].CopyTo(address[12..]);
        return LowpanDecodeStatus.Ok;
    }

    /// <summary>Overwrites the first <paramref name="bits"/> bits of <paramref name="address"/> with the prefix's.</summary>
    private static void CopyPrefixBits(ReadOnlySpan<byte> prefix, int bits, Span<byte> address)
    {
        int whole = bits / 8;
        prefix[..whole].CopyTo(address);
        int rest = bits % 8;
        if (rest != 0)
        {
            int mask = 0xFF << (8 - rest) & 0xFF;
            address[whole] = (byte)((prefix[whole] & mask) | (address[whole] & ~mask));
        }
    }

    private static bool TryCopy(ReadOnlySpan<byte> input, ref int at, Span<byte> destination)
    {
        if (input.Length < at + destination.Length)
        {
            return false;
        }

        input.Slice(at, destination.Length).CopyTo(destination);
        at += destination.Length;
        return true;
    }
}
