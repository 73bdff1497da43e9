namespace Reassembly.Host.Replay.Parallel;

/// <summary>
/// A counting semaphore that blocks at once instead of spinning first. The stages of a parallel replay (the reader,
/// which also writes, the workers, and the file writer's own thread) outnumber the cores on small machines, and a
/// waiter that spins takes the core from the very thread it waits for; SemaphoreSlim spins before it blocks.
/// </summary>
internal sealed class HandOff
{
    private readonly object _lock = new();
    private long _count;

    public HandOff(long initialCount) => _count = initialCount;

    public void Release()
    {
        lock (_lock)
        {
            _count++;
            Monitor.Pulse(_lock);
        }
    }

    public void Wait()
    {
        lock (_lock)
        {
            while (_count == 0)
            {
                Monitor.Wait(_lock);
            }

            _count--;
        }
    }
}
