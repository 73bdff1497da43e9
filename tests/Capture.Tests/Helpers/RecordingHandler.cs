using System.Collections.Generic;

namespace Reassembly.Capture.Tests.Helpers;

/// <summary>Keeps a copy of every frame it is given.</summary>
internal sealed class RecordingHandler : ICaptureFrameHandler
{
    public List<RecordedFrame> Frames { get; } = [];

    public void OnFrame(in CaptureFrame frame) => Frames.Add(RecordedFrame.From(frame));
}
