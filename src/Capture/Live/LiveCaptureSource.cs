using System.Collections.Generic;
using System.Threading;
using SharpPcap;
using SharpPcap.LibPcap;

namespace Reassembly.Capture.Live;

/// <summary>
/// Captures from live interfaces with libpcap (through SharpPcap) and queues every frame for one consumer
/// (<see cref="Frames"/>): one thread per interface copies each frame out of libpcap's buffer into a
/// <see cref="LiveFrameQueue"/> slot.
/// </summary>
/// <remarks>
/// <para>Reading: each thread calls <c>pcap_next_ex</c> through SharpPcap's <see cref="PcapDevice.GetNextPacketPointers"/>,
/// which hands back libpcap's own header and data pointers: SharpPcap's <see cref="PacketCapture"/> path allocates a
/// header object per packet, this one allocates nothing. Immediate mode delivers frames as they arrive; the read timeout
/// bounds how long a thread takes to notice <see cref="Stop"/>.</para>
/// <para>Stopping loses nothing libpcap already holds: <see cref="Stop"/> wakes each thread (<c>pcap_breakloop</c>),
/// which then reads on without blocking until libpcap has nothing more (bounded by <see cref="DrainLimit"/> frames);
/// then <see cref="Frames"/> is completed, so the consumer sees every frame captured before the stop.</para>
/// <para>Statistics: libpcap's counters are read by each capture thread itself (once a second and when it ends), so
/// <c>pcap_stats</c> never runs concurrently with a read on the same handle.</para>
/// </remarks>
public sealed class LiveCaptureSource : IDisposable
{
    /// <summary>At most this many frames are read from one interface after <see cref="Stop"/> (a flood must not keep us up).</summary>
    public const int DrainLimit = 1 << 20;

    private static readonly long StatisticsIntervalTicks = TimeSpan.FromSeconds(1).Ticks;

    private readonly LiveCaptureOptions _options;
    private readonly Interface[] _interfaces;
    private volatile bool _stopping;
    private bool _started;
    private bool _stopped;

    private LiveCaptureSource(LiveCaptureOptions options, Interface[] interfaces)
    {
        _options = options;
        _interfaces = interfaces;
        Frames = new LiveFrameQueue(options.QueueCapacity);
    }

    /// <summary>The frames captured, for one consumer.</summary>
    public LiveFrameQueue Frames { get; }

    /// <summary>How many interfaces are captured; a frame's <see cref="LiveFrame.InterfaceId"/> is below it.</summary>
    public int InterfaceCount => _interfaces.Length;

    /// <summary>Interface <paramref name="interfaceId"/>'s name.</summary>
    public string NameOf(int interfaceId) => _interfaces[interfaceId].Name;

    /// <summary>Interface <paramref name="interfaceId"/>'s link-layer type.</summary>
    public LinkType LinkTypeOf(int interfaceId) => _interfaces[interfaceId].LinkType;

    /// <summary>Opens every interface of <paramref name="options"/> and installs the filter; capture starts with <see cref="Start"/>.</summary>
    /// <exception cref="LiveCaptureException">An interface is unknown, cannot be opened (privileges) or rejects the filter.</exception>
    public static LiveCaptureSource Open(LiveCaptureOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Interfaces.Count == 0)
        {
            throw new LiveCaptureException("no interface to capture from");
        }

        var opened = new List<Interface>();
        try
        {
            LibPcapLiveDeviceList devices;
            try
            {
                devices = LibPcapLiveDeviceList.New();
            }
            catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or PcapException)
            {
                throw new LiveCaptureException($"libpcap is not available ({e.Message}); install libpcap0.8", e);
            }

            foreach (string name in options.Interfaces)
            {
                LibPcapLiveDevice device = FindDevice(devices, name);
                opened.Add(OpenDevice(device, name, options, opened.Count));
            }

            return new LiveCaptureSource(options, [.. opened]);
        }
        catch
        {
            foreach (Interface itf in opened)
            {
                itf.Device.Close();
            }

            throw;
        }
    }

    /// <summary>Starts one capture thread per interface.</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_stopped, this);
        if (_started)
        {
            return;
        }

        _started = true;
        foreach (Interface itf in _interfaces)
        {
            Interface captured = itf;
            itf.Thread = new Thread(() => CaptureLoop(captured)) { IsBackground = true, Name = "capture " + itf.Name };
            itf.Thread.Start();
        }
    }

    /// <summary>
    /// Stops capturing: each thread reads what libpcap still holds, then ends; then <see cref="Frames"/> is completed.
    /// Blocks until the threads have ended (about one read timeout).
    /// </summary>
    public void Stop()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        _stopping = true;
        foreach (Interface itf in _interfaces)
        {
            if (itf.Thread is null)
            {
                continue;
            }

            // A read blocked on a quiet interface may never time out (libpcap's poll waits for a frame), so each
            // thread is woken with pcap_breakloop, again every 100 ms in case the request landed between two reads.
            for (int attempt = 0; attempt < 600; attempt++)
            {
                PcapBreakLoop.Request(itf.Device.Handle);
                if (itf.Thread.Join(100))
                {
                    break;
                }
            }
        }

        Frames.Complete();
    }

    /// <summary>The counters of every interface, in <see cref="LiveCaptureOptions.Interfaces"/> order.</summary>
    public IReadOnlyList<LiveInterfaceStatistics> GetStatistics()
    {
        var result = new LiveInterfaceStatistics[_interfaces.Length];
        for (int i = 0; i < result.Length; i++)
        {
            Interface itf = _interfaces[i];
            PcapCounters pcap = Volatile.Read(ref itf.Pcap);
            result[i] = new LiveInterfaceStatistics
            {
                Name = itf.Name,
                Captured = Volatile.Read(ref itf.Captured),
                QueueDropped = Volatile.Read(ref itf.QueueDropped),
                Received = pcap.Received,
                Dropped = pcap.Dropped,
                InterfaceDropped = pcap.InterfaceDropped,
            };
        }

        return result;
    }

    /// <summary>Stops (if running) and closes every interface.</summary>
    public void Dispose()
    {
        Stop();
        foreach (Interface itf in _interfaces)
        {
            itf.Device.Close();
        }
    }

    private static LibPcapLiveDevice FindDevice(LibPcapLiveDeviceList devices, string name)
    {
        foreach (LibPcapLiveDevice device in devices)
        {
            if (string.Equals(device.Name, name, StringComparison.Ordinal))
            {
                return device;
            }
        }

        var names = new List<string>();
        foreach (LibPcapLiveDevice device in devices)
        {
            names.Add(device.Name);
        }

        throw new LiveCaptureException(names.Count == 0
            ? $"interface '{name}': libpcap lists no interface (capturing needs root or CAP_NET_RAW)"
            : $"interface '{name}' not found (libpcap lists: {string.Join(", ", names)})");
    }

    private static Interface OpenDevice(LibPcapLiveDevice device, string name, LiveCaptureOptions options, int index)
    {
        var configuration = new DeviceConfiguration
        {
            Mode = options.Promiscuous ? DeviceModes.Promiscuous : DeviceModes.None,
            Snaplen = options.SnapLength,
            ReadTimeout = (int)Math.Max(1, options.ReadTimeout.TotalMilliseconds),
            BufferSize = options.BufferSize,
            Immediate = true,
            TimestampResolution = SharpPcap.TimestampResolution.Nanosecond,
        };
        try
        {
            device.Open(configuration);
        }
        catch (Exception e) when (e is PcapException or InvalidOperationException)
        {
            throw new LiveCaptureException($"interface '{name}': cannot open it for capture: {OneLine(e.Message)}", e);
        }

        try
        {
            if (!string.IsNullOrWhiteSpace(options.Filter))
            {
                device.Filter = options.Filter;
            }
        }
        catch (Exception e) when (e is PcapException or InvalidOperationException)
        {
            device.Close();
            throw new LiveCaptureException($"interface '{name}': bad filter '{options.Filter}': {OneLine(e.Message)}", e);
        }

        return new Interface(device, name, ToLinkType((int)device.LinkType), device.TimestampResolution == SharpPcap.TimestampResolution.Nanosecond, index);
    }

    // libpcap reports DLT_ values; DLT_RAW is 12 (14 on OpenBSD) where files say LINKTYPE_RAW (101).
    private static LinkType ToLinkType(int dlt) => dlt is 12 or 14 ? LinkType.Raw : (LinkType)dlt;

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();

    private void CaptureLoop(Interface itf)
    {
        long nextStatistics = DateTime.UtcNow.Ticks + StatisticsIntervalTicks;
        while (true)
        {
            IntPtr header = IntPtr.Zero, data = IntPtr.Zero;
            int status = itf.Device.GetNextPacketPointers(ref header, ref data);
            if (status == 1)
            {
                Deliver(itf, header, data);
            }
            else if (status is 0 or -2)
            {
                // Timeout, or pcap_breakloop: after a stop, read on without blocking until libpcap's buffer is empty.
                if (_stopping)
                {
                    Drain(itf);
                    break;
                }
            }
            else
            {
                // -1: an error (the interface went away); nothing more will come.
                break;
            }

            long now = DateTime.UtcNow.Ticks;
            if (now >= nextStatistics)
            {
                nextStatistics = now + StatisticsIntervalTicks;
                ReadPcapCounters(itf);
            }
        }

        ReadPcapCounters(itf);
    }

    private void Drain(Interface itf)
    {
        try
        {
            itf.Device.NonBlockingMode = true;
        }
        catch (PcapException)
        {
            // Blocking still ends at the read timeout.
        }

        for (int drained = 0; drained < DrainLimit; drained++)
        {
            IntPtr header = IntPtr.Zero, data = IntPtr.Zero;
            int status = itf.Device.GetNextPacketPointers(ref header, ref data);
            if (status != 1)
            {
                return;
            }

            Deliver(itf, header, data);
        }
    }

    private unsafe void Deliver(Interface itf, IntPtr header, IntPtr data)
    {
        // struct pcap_pkthdr { struct timeval ts; bpf_u_int32 caplen; bpf_u_int32 len; }: timeval's fields are C longs
        // (pointer-sized on LP64, 32 bits on Windows); the fraction is below 10^9, so its low 32 bits are all of it.
        byte* p = (byte*)header;
        int secondsSize = OperatingSystem.IsWindows() ? 4 : IntPtr.Size;
        long seconds = secondsSize == 8 ? *(long*)p : *(int*)p;
        long fraction = *(int*)(p + secondsSize);
        int fieldsAt = 2 * secondsSize;
        int captured = *(int*)(p + fieldsAt);
        int original = *(int*)(p + fieldsAt + 4);
        long timestamp = (seconds * 1_000_000_000) + (itf.Nanosecond ? fraction : fraction * 1000);
        var bytes = new ReadOnlySpan<byte>((void*)data, captured);
        if (Frames.TryEnqueue(bytes, original, timestamp, itf.Index, itf.LinkType))
        {
            Volatile.Write(ref itf.Captured, itf.Captured + 1);
        }
        else
        {
            Volatile.Write(ref itf.QueueDropped, itf.QueueDropped + 1);
        }
    }

    private static void ReadPcapCounters(Interface itf)
    {
        try
        {
            ICaptureStatistics statistics = itf.Device.Statistics;
            Volatile.Write(ref itf.Pcap, new PcapCounters(statistics.ReceivedPackets, statistics.DroppedPackets, statistics.InterfaceDroppedPackets));
        }
        catch (PcapException)
        {
            // Not every capture type has counters; the last ones read stand.
        }
    }

    private sealed record PcapCounters(long Received, long Dropped, long InterfaceDropped);

    /// <summary>One open interface; the counters are written by its capture thread only.</summary>
    private sealed class Interface(LibPcapLiveDevice device, string name, LinkType linkType, bool nanosecond, int index)
    {
        public LibPcapLiveDevice Device { get; } = device;

        public string Name { get; } = name;

        public LinkType LinkType { get; } = linkType;

        public bool Nanosecond { get; } = nanosecond;

        public int Index { get; } = index;

        public Thread? Thread { get; set; }

        public long Captured;

        public long QueueDropped;

        public PcapCounters Pcap = new(0, 0, 0);
    }
}
