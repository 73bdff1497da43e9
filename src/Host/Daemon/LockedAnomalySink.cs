namespace Reassembly.Host.Daemon;

/// <summary>
/// With several daemon workers, each reports its anomalies from its own thread; the events file takes one record at a
/// time, under the lock the daemon's outputs share (so a periodic flush never interleaves with a record).
/// </summary>
internal sealed class LockedAnomalySink(IAnomalySink destination, Lock outputLock) : IAnomalySink
{
    public void OnAnomaly(in AnomalyEvent anomaly)
    {
        lock (outputLock)
        {
            destination.OnAnomaly(in anomaly);
        }
    }
}
