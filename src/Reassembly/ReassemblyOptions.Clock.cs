namespace Reassembly;

// The clock that drives expiry (issue 5, "Timer-driven expiry").
public sealed partial class ReassemblyOptions
{
    /// <summary>
    /// The wall clock a worker reads in <see cref="ReassemblyWorker.AdvanceClock()"/>, so that queues expire while the
    /// input is quiet: <see cref="System.TimeProvider.System"/> in the daemon, a <c>FakeTimeProvider</c> in a test.
    /// </summary>
    /// <remarks>
    /// Defaults to null: packet time only, as in a replay, where the clock is the largest timestamp read so far and
    /// expiry never depends on how fast the machine is. Either way every queue's timer sits in its worker's
    /// <see cref="Timers.TimerWheel{TOwner}"/>, fed with nanoseconds since the Unix epoch. Fixed at engine creation
    /// (<see cref="ReassemblyEngine.UpdateSettings"/> ignores it).
    /// </remarks>
    public TimeProvider? TimeProvider { get; init; }
}
