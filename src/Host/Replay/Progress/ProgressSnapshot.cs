namespace Reassembly.Host.Replay.Progress;

/// <summary>Where a replay stands: what <see cref="ProgressBar.Render"/> draws.</summary>
/// <param name="BytesRead">Bytes of the capture parsed so far.</param>
/// <param name="TotalBytes">The capture's size; 0 when unknown.</param>
/// <param name="Frames">Frames read so far.</param>
/// <param name="Elapsed">Time since the replay started.</param>
internal readonly record struct ProgressSnapshot(long BytesRead, long TotalBytes, long Frames, TimeSpan Elapsed);
