using System;

namespace Reassembly.Capture.Tests.Helpers;

/// <summary>A copy of a <see cref="CaptureFrame"/> that outlives the handler call; value equality for assertions.</summary>
internal sealed record RecordedFrame(string DataHex, int OriginalLength, long TimestampNanoseconds, int InterfaceId, LinkType LinkType, long Index)
{
    public static RecordedFrame From(in CaptureFrame frame) =>
        new(Convert.ToHexString(frame.Data), frame.OriginalLength, frame.TimestampNanoseconds, frame.InterfaceId, frame.LinkType, frame.Index);
}
