using Reassembly.Peers;

namespace Reassembly.Tests.Peers;

public sealed class PeerKeyTests
{
    [Fact]
    public void TheSameAddressInTwoNamespacesIsTwoPeers()
    {
        PeerKey first = PeerKey.ForIpv4(1, 0x0A000001);
        PeerKey second = PeerKey.ForIpv4(2, 0x0A000001);

        Assert.NotEqual(first, second);
        Assert.NotEqual(0, first.CompareTo(second));
        Assert.Equal(1, first.NamespaceId);
        Assert.Equal(2, second.NamespaceId);
    }

    [Fact]
    public void AnIpv4AddressNeverEqualsTheIpv6AddressWithTheSameBits()
    {
        byte[] mapped = new byte[16];
        mapped[12] = 10;
        mapped[15] = 1;
        PeerKey v4 = PeerKey.ForIpv4(0, 0x0A000001);
        PeerKey v6 = PeerKey.ForIpv6(0, mapped);

        Assert.NotEqual(v4, v6);
        Assert.Equal(IpFamily.Ipv4, v4.Family);
        Assert.Equal(IpFamily.Ipv6, v6.Family);
    }

    [Fact]
    public void KeysOrderByNamespaceThenFamilyThenAddress()
    {
        byte[] low = new byte[16];
        byte[] high = new byte[16];
        high[0] = 1;
        PeerKey[] ascending =
        [
            PeerKey.ForIpv4(0, 5),
            PeerKey.ForIpv4(0, uint.MaxValue),
            PeerKey.ForIpv6(0, low),
            PeerKey.ForIpv6(0, high),
            PeerKey.ForIpv4(1, 0),
            PeerKey.ForIpv4(-1, 0),
        ];

        for (int i = 0; i < ascending.Length; i++)
        {
            for (int j = 0; j < ascending.Length; j++)
            {
                Assert.Equal(Math.Sign(i.CompareTo(j)), Math.Sign(ascending[i].CompareTo(ascending[j])));
                Assert.Equal(i == j, ascending[i] == ascending[j]);
            }
        }
    }

    [Fact]
    public void EqualKeysHaveEqualHashCodes()
    {
        byte[] address = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];

        Assert.Equal(PeerKey.ForIpv6(3, address), PeerKey.ForIpv6(3, address.AsSpan()));
        Assert.Equal(PeerKey.ForIpv6(3, address).GetHashCode(), PeerKey.ForIpv6(3, address).GetHashCode());
    }

    [Fact]
    public void AnIpv6KeyNeedsSixteenBytes()
    {
        Assert.Throws<ArgumentException>(() => PeerKey.ForIpv6(0, new byte[4]));
    }
}
