using Reassembly.Concurrency;

namespace Reassembly.Tests.Concurrency.Helpers;

/// <summary>Counts and remembers what it reclaims (thread-safe).</summary>
internal sealed class RecordingReclaimer : IEpochReclaimer
{
    private readonly HashSet<object> _reclaimed = new(ReferenceEqualityComparer.Instance);

    public int Count
    {
        get
        {
            lock (_reclaimed)
            {
                return _reclaimed.Count;
            }
        }
    }

    public bool WasReclaimed(object item)
    {
        lock (_reclaimed)
        {
            return _reclaimed.Contains(item);
        }
    }

    public void Reclaim(object item)
    {
        lock (_reclaimed)
        {
            Assert.True(_reclaimed.Add(item), "An object was reclaimed twice.");
        }
    }
}
