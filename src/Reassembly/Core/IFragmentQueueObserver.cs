namespace Reassembly.Core;

/// <summary>Hears of each queue's removal from its directory, before the queue is recycled.</summary>
internal interface IFragmentQueueObserver
{
    /// <summary>Called once per removal (completion, kill, expiry or reset), with the queue's key and policy still set.</summary>
    void OnRemoving(FragmentQueue queue);
}
