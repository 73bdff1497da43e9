using System;
using System.Buffers;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;

namespace Reassembly.Capture.Tests.Helpers;

/// <summary>
/// A PipeReader over a byte array cut into segments of <c>segmentSize</c> bytes, revealing one more segment per ReadAsync
/// (the Utf8JsonReader multi-segment test model): every record boundary falls at every possible split point and arrives
/// in pieces. Completes synchronously, so tests run without thread hops.
/// </summary>
internal sealed class SegmentedPipeReader : PipeReader
{
    private readonly ReadOnlySequence<byte> _all;
    private readonly int _segmentSize;
    private SequencePosition _consumed;
    private long _revealed;
    private bool _completed;

    public SegmentedPipeReader(byte[] data, int segmentSize)
    {
        _segmentSize = segmentSize;
        _all = BuildSequence(data, segmentSize);
        _consumed = _all.Start;
    }

    public int ReadCount { get; private set; }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        ReadCount++;
        _revealed = Math.Min(_all.Length, _revealed + _segmentSize);
        ReadOnlySequence<byte> visible = _all.Slice(_consumed, _all.GetPosition(_revealed));
        return new ValueTask<ReadResult>(new ReadResult(visible, isCanceled: false, isCompleted: _revealed == _all.Length));
    }

    public override bool TryRead(out ReadResult result)
    {
        result = ReadAsync().Result;
        return true;
    }

    public override void AdvanceTo(SequencePosition consumed) => _consumed = consumed;

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => _consumed = consumed;

    public override void CancelPendingRead()
    {
    }

    public override void Complete(Exception? exception = null) => _completed = true;

    private static ReadOnlySequence<byte> BuildSequence(byte[] data, int segmentSize)
    {
        if (data.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        Segment first = new(data.AsMemory(0, Math.Min(segmentSize, data.Length)), 0);
        Segment last = first;
        for (int start = segmentSize; start < data.Length; start += segmentSize)
        {
            last = last.Append(data.AsMemory(start, Math.Min(segmentSize, data.Length - start)));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
