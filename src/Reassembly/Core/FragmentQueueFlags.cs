namespace Reassembly.Core;

/// <summary>A queue's progress, named after Linux's INET_FRAG_* flags.</summary>
[Flags]
internal enum FragmentQueueFlags : byte
{
    None = 0,

    /// <summary>The fragment at offset 0 has arrived; its headers are stored in front of the payload.</summary>
    FirstIn = 1,

    /// <summary>The fragment with MF clear has arrived; <see cref="FragmentQueue.Length"/> is final.</summary>
    LastIn = 2,
}
