using CsCheck;
using Reassembly.Concurrency;
using Reassembly.Peers;
using Xunit.Abstractions;

namespace Reassembly.Tests.Peers;

/// <summary>
/// Random single-threaded operation sequences against a reference model (a SortedDictionary plus an explicit idle
/// list), checking the tree's invariants after every step. CsCheck prints the seed of any failing sample, and
/// shrinks it, so a failure can be replayed with <c>seed:</c>.
/// </summary>
public sealed class PeerTableModelTests
{
    private const int KeySpace = 48;
    private const int Threshold = 24;
    // 400 ns against steps of 0-100 ns: a peer left alone expires after a few dozen operations.
    private const long TimeToLiveTicks = 4;
    private const int NanosecondsPerStep = 25;

    private readonly ITestOutputHelper _output;

    public PeerTableModelTests(ITestOutputHelper output)
    {
        _output = output;
    }

    private enum OperationKind
    {
        GetOrCreate,
        Release,
        Lookup,
        Collect,
        CountFragment,
    }

    private readonly record struct Operation(OperationKind Kind, int KeyIndex, int TimeStep);

    private static readonly Gen<Operation> OperationGen =
        Gen.Select(
            Gen.Frequency(
                (4, Gen.Const(OperationKind.GetOrCreate)),
                (4, Gen.Const(OperationKind.Release)),
                (2, Gen.Const(OperationKind.Lookup)),
                (1, Gen.Const(OperationKind.Collect)),
                (1, Gen.Const(OperationKind.CountFragment))),
            Gen.Int[0, KeySpace - 1],
            Gen.Int[0, 4],
            (kind, key, step) => new Operation(kind, key, step));

    [Fact]
    public void RandomOperationsAgreeWithASortedDictionaryModelAndKeepTheInvariants()
    {
        OperationGen.Array[1, 400].Sample(RunAgainstModel, iter: 300, threads: 1, writeLine: _output.WriteLine);
    }

    private sealed class ModelPeer
    {
        public int References;
        public int Sequence;
        public readonly Stack<Peer> Held = new();
    }

    private static void RunAgainstModel(Operation[] operations)
    {
        using var epochs = new EpochDomain();
        using var table = new PeerTable(new PeerTableOptions { Threshold = Threshold, IdleTimeToLive = TimeSpan.FromTicks(TimeToLiveTicks) }, epochs);
        var model = new SortedDictionary<PeerKey, ModelPeer>();
        var idle = new List<(PeerKey Key, long Since)>();
        long now = 0;

        int Evict(int budget)
        {
            int removed = 0;
            while (idle.Count > 0 && removed < budget)
            {
                (PeerKey key, long since) = idle[0];
                if (model.Count <= Threshold && now - since < table.Options.IdleTimeToLiveNanoseconds)
                {
                    break;
                }

                idle.RemoveAt(0);
                model.Remove(key);
                removed++;
            }

            return removed;
        }

        foreach (Operation operation in operations)
        {
            now += operation.TimeStep * NanosecondsPerStep;
            PeerKey key = TestPeerKeys.Make(operation.KeyIndex);
            model.TryGetValue(key, out ModelPeer? expected);
            switch (operation.Kind)
            {
                case OperationKind.GetOrCreate:
                    Peer peer = table.GetOrCreate(key, now);
                    Assert.Equal(key, peer.Key);
                    if (expected is null)
                    {
                        expected = new ModelPeer();
                        model.Add(key, expected);
                        if (model.Count > Threshold)
                        {
                            Evict(2);
                        }
                    }
                    else
                    {
                        if (expected.Held.Count > 0)
                        {
                            Assert.Same(expected.Held.Peek(), peer);
                        }

                        idle.RemoveAll(entry => entry.Key == key);
                    }

                    expected.References++;
                    expected.Held.Push(peer);
                    Assert.Equal(expected.References, peer.ReferenceCount);
                    break;

                case OperationKind.Release:
                    if (expected is { References: > 0 })
                    {
                        table.Release(expected.Held.Pop(), now);
                        if (--expected.References == 0)
                        {
                            idle.Add((key, now));
                        }
                    }

                    break;

                case OperationKind.Lookup:
                    Peer? found = table.Lookup(key);
                    Assert.Equal(expected is not null, found is not null);
                    if (found is not null)
                    {
                        Assert.Equal(key, found.Key);
                        Assert.Equal(expected!.References, found.ReferenceCount);
                    }

                    break;

                case OperationKind.Collect:
                    Assert.Equal(Evict(int.MaxValue), table.Collect(now));
                    break;

                case OperationKind.CountFragment:
                    if (expected is { References: > 0 })
                    {
                        Assert.Equal(++expected.Sequence, expected.Held.Peek().NextFragmentSequence());
                    }

                    break;
            }

            table.AssertInvariants();
            Assert.Equal(model.Count, table.Count);
            Assert.Equal(model.Keys, table.KeysInOrder());
        }

        var idleKeys = new List<PeerKey>();
        foreach ((PeerKey key, _) in idle)
        {
            idleKeys.Add(key);
        }

        Assert.Equal(idleKeys, table.IdleKeysLeastRecentFirst());
    }
}
