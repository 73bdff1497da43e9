using BenchmarkDotNet.Attributes;

namespace Reassembly.Benchmarks;

/// <summary>
/// The engine's per-frame cost on 1000 datagrams of 6 fragments (every 3rd IPv6), in order and reversed. The memory
/// diagnoser's "Allocated" column is the zero-allocation proof beside the unit test.
/// </summary>
[MemoryDiagnoser]
public class EngineBenchmarks
{
    private byte[][] _frames = [];
    private ReassemblyEngine _engine = ReassemblyEngine.Create();

    [Params(false, true)]
    public bool Reversed { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _frames = WorkloadFrames.Build(datagrams: 1000, payload: 8000, ipv6Every: 3, Reversed);
        _engine = ReassemblyEngine.Create();
        Run();
    }

    /// <summary>One pass over every frame; the datagram IDs repeat each pass, as in a long capture.</summary>
    [Benchmark(OperationsPerInvoke = 6000)]
    public int ProcessFrame() => Run();

    private int Run()
    {
        int reassembled = 0;
        long time = 0;
        foreach (byte[] frame in _frames)
        {
            FrameResult result = _engine.Process(frame, LinkType.Ethernet, time++);
            if (result.Datagram is { } datagram)
            {
                reassembled++;
                datagram.Dispose();
            }
        }

        return reassembled;
    }
}
