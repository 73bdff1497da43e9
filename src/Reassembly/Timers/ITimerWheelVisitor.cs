namespace Reassembly.Timers;

/// <summary>
/// Told of each timer that fires during <see cref="TimerWheel{TOwner}.Advance{TVisitor}(long, ref TVisitor)"/>.
/// Implement it on a struct and pass it by reference: the call is then specialised, with no delegate, no boxing and
/// no allocation per fired timer.
/// </summary>
/// <typeparam name="TOwner">The type of object the wheel times.</typeparam>
internal interface ITimerWheelVisitor<TOwner>
    where TOwner : class
{
    /// <summary>
    /// Called once per fired timer, after it has left the wheel (so <see cref="TimerWheelEntry{TOwner}.IsArmed"/> is
    /// false). The callback may arm, re-arm or cancel any entry of the same wheel, including this one, but must not
    /// call <c>Advance</c>.
    /// </summary>
    void OnExpired(TimerWheelEntry<TOwner> entry);
}
