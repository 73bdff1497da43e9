namespace Reassembly.Core;

/// <summary>
/// Queue objects a worker has used and may reuse, so that a steady stream of datagrams creates no garbage. One per
/// worker, touched only by it.
/// </summary>
internal sealed class FragmentQueuePool
{
    private FragmentQueue[] _spare = new FragmentQueue[64];
    private int _count;

    public FragmentQueue Rent() => _count > 0 ? _spare[--_count] : new FragmentQueue();

    public void Return(FragmentQueue queue)
    {
        if (_count == _spare.Length)
        {
            Array.Resize(ref _spare, _spare.Length * 2);
        }

        _spare[_count++] = queue;
    }
}
