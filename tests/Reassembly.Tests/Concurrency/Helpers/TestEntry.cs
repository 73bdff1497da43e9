using Reassembly.Concurrency;

namespace Reassembly.Tests.Concurrency.Helpers;

/// <summary>An entry that can be poisoned and re-keyed, as a recycled fragment queue would be.</summary>
internal sealed class TestEntry : RhashEntry<TestKey>
{
    private int _poisoned;

    public TestEntry(long key)
    {
        Key = new TestKey(key);
    }

    public bool IsPoisoned => Volatile.Read(ref _poisoned) != 0;

    /// <summary>What a pool does on reclaim: poison, and give the object another identity.</summary>
    public void Poison()
    {
        Volatile.Write(ref _poisoned, 1);
        Key = new TestKey(-1);
    }

    /// <summary>What a pool does when it hands the object out again.</summary>
    public void Reinitialize(long key)
    {
        Key = new TestKey(key);
        Volatile.Write(ref _poisoned, 0);
    }
}

/// <summary>An entry keyed by <see cref="CollidingKey"/>.</summary>
internal sealed class CollidingEntry : RhashEntry<CollidingKey>
{
    public CollidingEntry(long key)
    {
        Key = new CollidingKey(key);
    }
}
