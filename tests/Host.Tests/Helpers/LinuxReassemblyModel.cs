using System.Buffers.Binary;

namespace Reassembly.Host.Tests.Helpers;

/// <summary>
/// A small, deliberately plain model of Linux's reassembly rules (ip_frag_queue / inet_frag_queue_insert), written
/// apart from the engine, that counts the datagrams a Linux receiver would rebuild from a genfrag capture (Ethernet,
/// no VLAN, no timeouts within the capture). Used to pin the exact answer where genfrag's sidecar only brackets it.
/// </summary>
internal static class LinuxReassemblyModel
{
    public static (int Ipv4, int Ipv6) CountReassembled(IEnumerable<CapturedFrames.Frame> frames)
    {
        var queues = new Dictionary<string, Queue>();
        int ipv4 = 0;
        int ipv6 = 0;
        foreach (CapturedFrames.Frame frame in frames)
        {
            byte[] f = frame.Data;
            ushort etherType = BinaryPrimitives.ReadUInt16BigEndian(f.AsSpan(12));
            string key;
            int offset;
            int length;
            bool more;
            if (etherType == 0x0800)
            {
                int ihl = (f[14] & 0xF) * 4;
                int total = BinaryPrimitives.ReadUInt16BigEndian(f.AsSpan(16));
                ushort flags = BinaryPrimitives.ReadUInt16BigEndian(f.AsSpan(20));
                more = (flags & 0x2000) != 0;
                offset = (flags & 0x1FFF) * 8;
                if (!more && offset == 0)
                {
                    continue;
                }

                length = total - ihl;
                key = "4:" + Convert.ToHexString(f.AsSpan(26, 8)) + ":" + Convert.ToHexString(f.AsSpan(18, 2)) + ":" + f[23];
            }
            else if (etherType == 0x86DD && f[14 + 6] == 44)
            {
                ushort field = BinaryPrimitives.ReadUInt16BigEndian(f.AsSpan(54 + 2));
                more = (field & 1) != 0;
                offset = field & 0xFFF8;
                length = BinaryPrimitives.ReadUInt16BigEndian(f.AsSpan(18)) - 8;
                key = "6:" + Convert.ToHexString(f.AsSpan(22, 32)) + ":" + Convert.ToHexString(f.AsSpan(58, 4));
            }
            else
            {
                continue;
            }

            if (!queues.TryGetValue(key, out Queue? queue))
            {
                queue = new Queue();
                queues[key] = queue;
            }

            switch (queue.Add(offset, offset + length, more))
            {
                case Outcome.Complete:
                    queues.Remove(key);
                    if (key[0] == '4')
                    {
                        ipv4++;
                    }
                    else
                    {
                        ipv6++;
                    }

                    break;
                case Outcome.Kill:
                    queues.Remove(key);
                    break;
            }
        }

        return (ipv4, ipv6);
    }

    private enum Outcome
    {
        Held,
        Ignored,
        Kill,
        Complete,
    }

    private sealed class Queue
    {
        // Runs in offset order; a fragment extends the run with the highest offset only when it starts at its end.
        private readonly List<(int Start, int End)> _runs = [];
        private int _length;
        private bool _lastIn;
        private bool _firstIn;
        private int _meat;

        public Outcome Add(int start, int end, bool more)
        {
            if (!more)
            {
                if (end < _length || (_lastIn && end != _length))
                {
                    return Outcome.Kill;
                }

                _lastIn = true;
                _length = end;
            }
            else if (end > _length)
            {
                if (_lastIn)
                {
                    return Outcome.Kill;
                }

                _length = end;
            }

            if (start == end)
            {
                return Outcome.Kill;
            }

            foreach ((int runStart, int runEnd) in _runs)
            {
                bool intersects = start < runEnd && end > runStart;
                if (intersects)
                {
                    return start >= runStart && end <= runEnd ? Outcome.Ignored : Outcome.Kill;
                }
            }

            int last = _runs.Count - 1;
            if (last >= 0 && _runs[last].End == start)
            {
                _runs[last] = (_runs[last].Start, end);
            }
            else
            {
                _runs.Add((start, end));
                _runs.Sort();
            }

            _meat += end - start;
            _firstIn |= start == 0;
            return _firstIn && _lastIn && _meat == _length ? Outcome.Complete : Outcome.Held;
        }
    }
}
