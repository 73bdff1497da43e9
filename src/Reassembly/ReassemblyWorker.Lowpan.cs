using Reassembly.Core;
using Reassembly.Diagnostics;
using Reassembly.Lowpan;
using Reassembly.Parsing;

namespace Reassembly;

// 6LoWPAN (issue 7): IEEE 802.15.4 frames, RFC 4944 fragments and RFC 6282 decompression. The queues, tables, expiry
// and overlap rules are the IP families' own (Core); what differs is that FRAG1's compressed header is decompressed as it
// arrives, as Linux's lowpan_frag_rcv does, so the queue holds the uncompressed IPv6 packet and every offset is one in it.
public sealed partial class ReassemblyWorker
{
    /// <summary>
    /// Room for a decompressed FRAG1: the largest header decompression writes plus a whole 802.15.4g frame (2047 octets),
    /// more than any FRAG1 that fits its datagram_size (at most 1280) can need.
    /// </summary>
    private const int LowpanScratchLength = IphcDecompressor.MaximumHeaderLength + 2048;

    private readonly LowpanContextTable _lowpanContexts;
    private readonly byte[] _lowpanScratch = new byte[LowpanScratchLength];

    private FrameDisposition ProcessLowpan(ReadOnlySpan<byte> frame, in ClassifiedFrame classified, long timestampNanoseconds, out ReassembledDatagram? datagram)
    {
        datagram = null;
        FragmentQueueDirectory directory = NamespaceFor(classified.Namespace).Lowpan[Index];
        NoteNamespace(directory);

        ref FamilyCounters counters = ref directory.Counters;
        counters.Frames++;
        switch (classified.Kind)
        {
            case PacketKind.Fragment:
                counters.ReasmReqds++;
                return EnqueueLowpan(directory, frame, in classified.Fragment, classified.InterfaceId, timestampNanoseconds, out datagram);
            case PacketKind.NotFragmented:
                return DecompressLowpan(directory, frame, in classified.Fragment, classified.InterfaceId, timestampNanoseconds, out datagram);
            case PacketKind.LowpanNotIp:
                counters.NotIp++;
                return FrameDisposition.PassThrough;
            case PacketKind.LowpanSecured:
                counters.SecurityEnabled++;
                return FrameDisposition.PassThrough;
            case PacketKind.LowpanUnsupported:
                counters.Unsupported++;
                Report(AnomalyKind.LowpanUnsupported, in classified.Fragment, OverlapPolicy.LinuxModern, default, timestampNanoseconds);
                return FrameDisposition.PassThrough;
            default:
                counters.Malformed++;
                return FrameDisposition.PassThrough;
        }
    }

    /// <summary>An unfragmented 6LoWPAN packet: decompressed into a pooled buffer and handed out as an IPv6 packet.</summary>
    private FrameDisposition DecompressLowpan(FragmentQueueDirectory directory, ReadOnlySpan<byte> frame, in FragmentDescriptor fragment, int interfaceId, long timestampNanoseconds, out ReassembledDatagram? datagram)
    {
        datagram = null;
        ref FamilyCounters counters = ref directory.Counters;
        byte[] buffer = Buffers.Rent(IphcDecompressor.MaximumHeaderLength + fragment.DataLength);
        LowpanDecodeStatus status = DecompressInto(frame, in fragment, 0, buffer, out int length, out bool checksumElided);
        if (status != LowpanDecodeStatus.Ok)
        {
            Buffers.Return(buffer);
            CountRefusedLowpan(ref counters, status, in fragment, timestampNanoseconds);
            return FrameDisposition.PassThrough;
        }

        if (checksumElided)
        {
            NhcUdp.FillChecksum(buffer.AsSpan(0, length));
        }

        ReassembledDatagram decompressed = RentDatagram();
        decompressed.Attach(buffer, 0, length, 0, LinkType.Ipv6, interfaceId, timestampNanoseconds, IpFamily.Ipv6, 1);
        decompressed.AttachIdentity(0, OverlapPolicy.LinuxModern);
        counters.NotFragmented++;
        datagram = decompressed;
        return FrameDisposition.Decompressed;
    }

    /// <summary>
    /// Linux's <c>lowpan_frag_rcv</c> and <c>lowpan_frag_queue</c>: a FRAG1 is decompressed first (its offsets are then
    /// those of the uncompressed packet), datagram_size above 1280 is refused, and the fragment goes into the queue by
    /// the IP families' rules (<see cref="FragmentQueue.Insert"/> under <see cref="OverlapPolicy.LinuxModern"/>: a
    /// duplicate inside a run is ignored, any other overlap drops the datagram). The fragment that reaches
    /// datagram_size is the last; one that reaches past it is refused on its own (size mismatch).
    /// </summary>
    private FrameDisposition EnqueueLowpan(FragmentQueueDirectory directory, ReadOnlySpan<byte> frame, in FragmentDescriptor fragment, int interfaceId, long timestampNanoseconds, out ReassembledDatagram? datagram)
    {
        datagram = null;
        ref FamilyCounters counters = ref directory.Counters;
        int size = fragment.Key.LowpanDatagramSize;
        if (size > LowpanDispatch.MaximumDatagramSize)
        {
            counters.ReasmFails++;
            Report(AnomalyKind.Oversize, in fragment, OverlapPolicy.LinuxModern, default, timestampNanoseconds);
            return FrameDisposition.Dropped;
        }

        FragmentDescriptor placed = fragment;
        placed.NetworkOffset = 0;
        placed.HeaderLength = 0;
        placed.NextHeaderFieldOffset = -1;
        ReadOnlySpan<byte> data = frame;
        if (fragment.LowpanDispatch == LowpanDispatch.Frag1)
        {
            LowpanDecodeStatus status = DecompressInto(frame, in fragment, size, _lowpanScratch, out int length, out bool checksumElided);
            if (status != LowpanDecodeStatus.Ok)
            {
                counters.ReasmFails++;
                CountRefusedLowpan(ref counters, status, in fragment, timestampNanoseconds);
                return FrameDisposition.Dropped;
            }

            data = _lowpanScratch.AsSpan(0, length);
            placed.DataOffset = 0;
            placed.DataLength = length;

            // Where the elided UDP checksum goes, computed once the datagram is whole (the queue keeps it from FRAG1).
            placed.NextHeaderFieldOffset = checksumElided ? IphcDecompressor.Ipv6HeaderLength : -1;
        }

        int end = placed.FragmentEnd;
        if (end > size)
        {
            // Bytes past the datagram_size every fragment of the datagram announces.
            counters.ReasmFails++;
            Report(AnomalyKind.PastEnd, in placed, OverlapPolicy.LinuxModern, default, timestampNanoseconds);
            return FrameDisposition.Dropped;
        }

        placed.MoreFragments = end != size;
        if (RefusesNewQueue(directory, in placed, timestampNanoseconds))
        {
            return FrameDisposition.Dropped;
        }

        FragmentQueue queue = directory.FindOrCreate(in placed.Key, _clock, _settings.Current.LowpanTimeoutNanoseconds);
        if (!queue.HasPolicy)
        {
            // Charged and evicted as every queue is (memory limits are per namespace, over all families). Always
            // Linux's rules: 6LoWPAN has no target-policy tradition to emulate.
            AdoptNewQueue(directory, queue, OverlapPolicy.LinuxModern);
        }

        // The queue holds uncompressed IPv6: it completes as a raw IPv6 frame (LowpanFragmentProtocol fills an elided
        // UDP checksum then).
        queue.LastArrivalNanoseconds = _clock;
        return Place(directory, queue, data, in placed, LinkType.Ipv6, interfaceId, timestampNanoseconds, out datagram);
    }

    /// <summary>
    /// Writes the uncompressed packet start (IPv6 header, UDP header, then the rest of the frame's payload) of a FRAG1 or
    /// unfragmented packet into <paramref name="destination"/>: IPHC is decompressed, an uncompressed IPv6 header
    /// (dispatch 0x41, Linux's <c>lowpan_rx_h_ipv6</c>) is copied as it is.
    /// </summary>
    private LowpanDecodeStatus DecompressInto(ReadOnlySpan<byte> frame, in FragmentDescriptor fragment, int datagramSize, Span<byte> destination, out int length, out bool checksumElided)
    {
        length = 0;
        checksumElided = false;
        ReadOnlySpan<byte> input = frame.Slice(fragment.DataOffset, fragment.DataLength);
        if (input[0] == LowpanDispatch.Ipv6)
        {
            ReadOnlySpan<byte> packet = input[1..];

            // Unfragmented, the frame holds the whole header; a FRAG1 may leave part of it to the next fragment.
            if (packet.Length > destination.Length || (datagramSize == 0 && packet.Length < IphcDecompressor.Ipv6HeaderLength))
            {
                return LowpanDecodeStatus.Malformed;
            }

            packet.CopyTo(destination);
            length = packet.Length;
            return LowpanDecodeStatus.Ok;
        }

        LowpanDecodeStatus status = IphcDecompressor.Decompress(input, in fragment.Key, _lowpanContexts, datagramSize, destination, out int consumed, out int headerLength, out checksumElided);
        if (status != LowpanDecodeStatus.Ok)
        {
            return status;
        }

        ReadOnlySpan<byte> rest = input[consumed..];
        if (headerLength + rest.Length > destination.Length)
        {
            return LowpanDecodeStatus.Malformed;
        }

        rest.CopyTo(destination[headerLength..]);
        length = headerLength + rest.Length;
        return LowpanDecodeStatus.Ok;
    }

    private void CountRefusedLowpan(ref FamilyCounters counters, LowpanDecodeStatus status, in FragmentDescriptor fragment, long timestampNanoseconds)
    {
        if (status == LowpanDecodeStatus.Unsupported)
        {
            counters.Unsupported++;
            Report(AnomalyKind.LowpanUnsupported, in fragment, OverlapPolicy.LinuxModern, default, timestampNanoseconds);
        }
        else
        {
            counters.Malformed++;
        }
    }
}
