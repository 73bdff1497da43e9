namespace Reassembly.Parsing;

/// <summary>
/// Packs a VLAN tag stack of any depth into one 64-bit key component, so that fragments seen on different VLANs
/// (or at different tag depths) never share a reassembly queue.
/// </summary>
/// <remarks>
/// Layout: bits 0-47 hold the VLAN IDs of the four outermost tags (12 bits each, outermost lowest), bits 48-55 the
/// depth (saturating at 255), bits 56-63 a mix of the IDs of tags 5 and deeper. Stacks of up to four tags, which is
/// every deployment we know of, map to distinct keys exactly; deeper stacks that differ only below the fourth tag
/// collide with probability 1/256, which can at worst merge two datagrams that also share addresses and ID.
/// </remarks>
internal static class VlanStack
{
    private const int ExactTags = 4;
    private const int DepthShift = 48;
    private const int DeepMixShift = 56;

    public static ulong Push(ulong key, int depthBefore, int vlanId)
    {
        ulong vid = (ulong)(vlanId & 0xFFF);
        ulong depthBits = (ulong)Math.Min(depthBefore + 1, 255) << DepthShift;
        ulong withoutDepth = key & ~(0xFFUL << DepthShift);
        if (depthBefore < ExactTags)
        {
            return withoutDepth | (vid << (12 * depthBefore)) | depthBits;
        }

        ulong mix = (key >> DeepMixShift) & 0xFF;
        mix = ((mix * 31) + vid + (ulong)depthBefore) & 0xFF;
        return (withoutDepth & ~(0xFFUL << DeepMixShift)) | (mix << DeepMixShift) | depthBits;
    }
}
