namespace Reassembly.Timers;

/// <summary>
/// Given each armed timer by <see cref="TimerWheel{TOwner}.Walk{TWalker}(ref TWalker)"/>. A struct passed by reference,
/// as <see cref="ITimerWheelVisitor{TOwner}"/>, so the walk allocates nothing.
/// </summary>
/// <typeparam name="TOwner">The type of object the wheel times.</typeparam>
internal interface ITimerWheelWalker<TOwner>
    where TOwner : class
{
    /// <summary>Called once per armed entry, still armed; may cancel this entry (only this one).</summary>
    void Visit(TimerWheelEntry<TOwner> entry);
}
