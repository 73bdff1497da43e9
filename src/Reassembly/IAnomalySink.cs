namespace Reassembly;

/// <summary>
/// Receives the anomalies an engine detects, synchronously, on the thread that drives the engine, during
/// <see cref="ReassemblyEngine.Process"/>, <see cref="ReassemblyEngine.ExpireAll"/> or at expiry.
/// </summary>
/// <remarks>
/// The event is passed by reference and lives only during the call: copy what you need. An implementation must not
/// call back into the engine, and should not throw (an exception escapes from <see cref="ReassemblyEngine.Process"/>).
/// </remarks>
public interface IAnomalySink
{
    /// <summary>Called once per anomaly.</summary>
    void OnAnomaly(in AnomalyEvent anomaly);
}
