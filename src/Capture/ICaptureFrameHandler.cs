namespace Reassembly.Capture;

/// <summary>
/// Receives frames from a capture reader, synchronously and in file order. Implemented by the consumer so that a
/// reader can hand out spans over its own buffers without allocating per frame.
/// </summary>
public interface ICaptureFrameHandler
{
    /// <summary>Called once per packet record. The frame's data is valid only until this call returns.</summary>
    void OnFrame(in CaptureFrame frame);
}
