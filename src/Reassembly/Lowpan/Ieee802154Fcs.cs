namespace Reassembly.Lowpan;

/// <summary>
/// The IEEE 802.15.4 frame check sequence: ITU-T CRC-16 (x^16 + x^12 + x^5 + 1), bits taken least significant first
/// (the reflected polynomial 0x8408), initial value 0, sent least significant octet first.
/// </summary>
internal static class Ieee802154Fcs
{
    public static ushort Compute(ReadOnlySpan<byte> data)
    {
        uint crc = 0;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x8408 : crc >> 1;
            }
        }

        return (ushort)crc;
    }
}
