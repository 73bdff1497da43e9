using SharpPcap;
using SharpPcap.LibPcap;

namespace Reassembly.Capture.Live;

/// <summary>
/// Sends frames out of a live interface (<c>pcap_inject</c>): the daemon's <c>--inject</c>, which hands reassembled
/// datagrams to a downstream IDS. A frame larger than the interface's MTU is refused by the kernel; that is reported
/// as a false return, never thrown, so one oversize datagram does not stop the daemon.
/// </summary>
public sealed class LiveInjector : IDisposable
{
    private readonly LibPcapLiveDevice _device;

    private LiveInjector(LibPcapLiveDevice device, string name)
    {
        _device = device;
        Name = name;
    }

    /// <summary>The interface's name.</summary>
    public string Name { get; }

    /// <summary>The last failure's reason, or null.</summary>
    public string? LastError { get; private set; }

    /// <summary>Opens <paramref name="name"/> for sending.</summary>
    /// <exception cref="LiveCaptureException">The interface is unknown or cannot be opened.</exception>
    public static LiveInjector Open(string name)
    {
        LibPcapLiveDevice? device = null;
        foreach (LibPcapLiveDevice candidate in LibPcapLiveDeviceList.New())
        {
            if (string.Equals(candidate.Name, name, StringComparison.Ordinal))
            {
                device = candidate;
            }
        }

        if (device is null)
        {
            throw new LiveCaptureException($"inject interface '{name}' not found");
        }

        try
        {
            device.Open(new DeviceConfiguration { Mode = DeviceModes.None, Snaplen = 64, ReadTimeout = 100 });
        }
        catch (PcapException e)
        {
            throw new LiveCaptureException($"inject interface '{name}': cannot open it: {e.Message.ReplaceLineEndings(" ")}", e);
        }

        return new LiveInjector(device, name);
    }

    /// <summary>Sends one frame (link-layer header included); false if the kernel refused it (see <see cref="LastError"/>).</summary>
    public bool TrySend(ReadOnlySpan<byte> frame)
    {
        try
        {
            _device.SendPacket(frame);
            return true;
        }
        catch (PcapException e)
        {
            LastError = e.Message.ReplaceLineEndings(" ");
            return false;
        }
    }

    /// <summary>Closes the interface.</summary>
    public void Dispose() => _device.Close();
}
