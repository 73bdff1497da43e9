using System.Runtime.InteropServices;
using SharpPcap.LibPcap;

namespace Reassembly.Capture.Live;

/// <summary>
/// <c>pcap_breakloop</c>, which SharpPcap keeps to its own capture thread: it makes a <c>pcap_next_ex</c> blocked in
/// another thread return <c>PCAP_ERROR_BREAK</c> (libpcap 1.10 and later wake the poll through an eventfd; older ones
/// return at the next read timeout). Looked up once in whichever libpcap the system has.
/// </summary>
internal static unsafe class PcapBreakLoop
{
    private static readonly delegate* unmanaged<IntPtr, void> BreakLoop = Find();

    /// <summary>True if the system's libpcap was found.</summary>
    public static bool Available => BreakLoop != null;

    /// <summary>Asks the read blocked on <paramref name="handle"/> to return.</summary>
    public static void Request(PcapHandle handle)
    {
        if (BreakLoop == null || handle.IsInvalid || handle.IsClosed)
        {
            return;
        }

        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            BreakLoop(handle.DangerousGetHandle());
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    private static delegate* unmanaged<IntPtr, void> Find()
    {
        // Debian's libpcap0.8 ships only the versioned name; -dev adds libpcap.so.
        foreach (string name in (string[])["libpcap.so.1", "libpcap.so.0.8", "libpcap.so", "libpcap.A.dylib", "libpcap.dylib", "wpcap"])
        {
            if (NativeLibrary.TryLoad(name, out IntPtr library) && NativeLibrary.TryGetExport(library, "pcap_breakloop", out IntPtr export))
            {
                return (delegate* unmanaged<IntPtr, void>)export;
            }
        }

        return null;
    }
}
