using Reassembly.Peers;

namespace Reassembly.Tests.Peers;

/// <summary>Distinct keys by index, mixing namespaces and families so that every part of the order is used.</summary>
internal static class TestPeerKeys
{
    public static PeerKey Make(int index)
    {
        int namespaceId = index % 3;
        if (index % 4 == 0)
        {
            byte[] address = new byte[16];
            address[0] = 0x20;
            address[1] = 0x01;
            address[8] = (byte)(index >> 24);
            address[13] = (byte)(index >> 16);
            address[14] = (byte)(index >> 8);
            address[15] = (byte)index;
            return PeerKey.ForIpv6(namespaceId, address);
        }

        // Spread the addresses so that consecutive indices are not neighbours in the tree.
        return PeerKey.ForIpv4(namespaceId, unchecked((uint)index * 2654435761u));
    }

    public static PeerKey[] Many(int count)
    {
        var keys = new PeerKey[count];
        for (int i = 0; i < count; i++)
        {
            keys[i] = Make(i);
        }

        return keys;
    }
}
