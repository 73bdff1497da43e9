namespace Reassembly.Timers;

/// <summary>
/// One timer of a <see cref="TimerWheel{TOwner}"/>: the deadline and the links of the wheel list it is in, embedded
/// in the object it times (its <see cref="Owner"/>), so that arming, cancelling and firing allocate nothing.
/// </summary>
/// <remarks>
/// A sealed node held by its owner rather than a base class the owner derives from, because the objects we time
/// (fragment queues) already derive from the shared table's intrusive entry and .NET has single inheritance. The
/// owner creates its entry once (pooled owners keep theirs for life) and re-arms it as often as it likes.
/// Every field but <see cref="Owner"/> belongs to the wheel the entry is armed on, and only that wheel's owner thread
/// touches them.
/// </remarks>
/// <typeparam name="TOwner">The object the timer belongs to, handed back when it fires.</typeparam>
internal sealed class TimerWheelEntry<TOwner>
    where TOwner : class
{
    /// <summary>The value of <see cref="List"/> while the entry is in no wheel.</summary>
    internal const int NotArmed = -1;

    /// <summary>Creates a disarmed entry for <paramref name="owner"/>.</summary>
    public TimerWheelEntry(TOwner owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        Owner = owner;
    }

    /// <summary>The object this timer belongs to.</summary>
    public TOwner Owner { get; }

    /// <summary>The tick the entry fires at (meaningful while <see cref="IsArmed"/>, and in the expiry callback).</summary>
    public long DeadlineTicks => Deadline;

    /// <summary>True from <c>Arm</c> until the entry fires or is cancelled.</summary>
    public bool IsArmed => List != NotArmed;

    // Wheel-owned state: the list (level * slots + slot, or one of the wheel's special lists) and its links.
    internal long Deadline;
    internal int List = NotArmed;
    internal TimerWheelEntry<TOwner>? Next;
    internal TimerWheelEntry<TOwner>? Previous;
    internal TimerWheel<TOwner>? Wheel;
}
