#!/usr/bin/env python3
"""attackgen.py - hostile IPv4 fragment workloads for the memory-limit and queue-structure work (issue 5).

Writes a pcap (Ethernet, microsecond timestamps) and, beside it, NAME.pcap.json with what a receiver should count.
Python 3 standard library only; deterministic for a given --seed.

Modes:
  flood    --count N single first fragments (offset 0, MF set, 64 bytes) from random sources with random IDs,
           none ever completing: the memory-exhaustion flood.
  smack    FragmentSmack (CVE-2018-5391): --datagrams D datagrams of --per-datagram K tiny fragments each (8 bytes at
           random offsets of a 64 KiB datagram, many repeated; one in --overlap-every a 16-byte fragment that
           partly overlaps), in random order. Never complete.
  reverse  --datagrams D complete datagrams of --size bytes in 8-byte fragments sent last to first: the most
           fragments a datagram can have, in the order that is worst for a sorted list.
  collide  --count N incomplete datagrams whose keys all collide under the unkeyed hash of old Linux
           (ipqhashfn: saddr ^ daddr ^ id ^ protocol): a hash-flooding attack on an unkeyed table.
  mixed    a single-source flood of --count N never-completing fragments, with a benign two-fragment datagram from
           one of --benign-hosts other sources every --benign-every flood fragments. The sidecar gives the benign
           count, every one of which should reassemble.

Timestamps advance by --gap-us microseconds per frame (default 1), so --count 1000000 spans one second of packet
time: within the 30 s timeout, which is what makes a flood hold memory.
"""
import argparse
import json
import os
import random
import struct
import sys

ETH_HEADER = bytes.fromhex("00005e005302" "00005e005301") + b"\x08\x00"
PROTO_UDP = 17


def checksum(header):
    total = 0
    for (word,) in struct.iter_unpack("!H", header):
        total += word
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF


def ipv4_fragment(src, dst, ident, offset, more, payload, proto=PROTO_UDP):
    """An IPv4 packet carrying payload at byte offset `offset` (a multiple of 8)."""
    flags = (offset >> 3) | (0x2000 if more else 0)
    header = struct.pack("!BBHHHBBHII", 0x45, 0, 20 + len(payload), ident, flags, 64, proto, 0, src, dst)
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return header + payload


class PcapWriter:
    def __init__(self, path, gap_us):
        self._file = open(path, "wb")
        self._file.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        self._time_us = 1_700_000_000 * 1_000_000
        self._gap = gap_us
        self.frames = 0

    def write(self, packet):
        frame = ETH_HEADER + packet
        seconds, micros = divmod(self._time_us, 1_000_000)
        self._file.write(struct.pack("<IIII", seconds, micros, len(frame), len(frame)))
        self._file.write(frame)
        self._time_us += self._gap
        self.frames += 1

    def close(self):
        self._file.close()


def random_source(rng):
    # 10.0.0.0/8 and 172.16.0.0/12 never collide with the benign 192.0.2.0/24 hosts or the 198.51.100.1 target.
    return (10 << 24) | rng.getrandbits(24)


TARGET = (198 << 24) | (51 << 16) | (100 << 8) | 1


def mode_flood(out, args, rng):
    payload = bytes(64)
    for _ in range(args.count):
        out.write(ipv4_fragment(random_source(rng), TARGET, rng.getrandbits(16), 0, True, payload))
    return {"fragments": args.count, "datagrams_started": args.count, "reassembled": 0}


def mode_smack(out, args, rng):
    frames = []
    for d in range(args.datagrams):
        ident = 1000 + d
        src = (172 << 24) | (16 << 16) | d
        offsets = [8 * rng.randrange(0, 65528 // 8) for _ in range(args.per_datagram)]
        for i, offset in enumerate(offsets):
            length = 16 if args.overlap_every and i % args.overlap_every == args.overlap_every - 1 else 8
            offset = min(offset, 65528 - length)
            frames.append(ipv4_fragment(src, TARGET, ident, offset, True, bytes([i & 0xFF]) * length))
    rng.shuffle(frames)
    for frame in frames:
        out.write(frame)
    return {"fragments": len(frames), "reassembled": 0}


def mode_reverse(out, args, rng):
    size = args.size - (args.size % 8)
    count = 0
    for d in range(args.datagrams):
        data = rng.randbytes(size)
        src = (192 << 24) | (0 << 16) | (2 << 8) | (1 + d % 200)
        for offset in range(size - 8, -1, -8):
            out.write(ipv4_fragment(src, TARGET, d & 0xFFFF, offset, offset != size - 8, data[offset:offset + 8]))
            count += 1
    return {"fragments": count, "reassembled": args.datagrams}


def mode_collide(out, args, rng):
    # Every key has the same saddr ^ daddr ^ id ^ protocol: sources 10.0.x.y and destinations 198.51.100.z keep the
    # high 16 bits of saddr ^ daddr fixed, and the ID makes the low 16 bits of the sum a constant.
    fixed = 0x5A5A
    payload = bytes(64)
    for i in range(args.count):
        src = (10 << 24) | ((i % 65535) + 1)
        dst = TARGET + (i // 65535)
        ident = (fixed ^ src ^ dst ^ PROTO_UDP) & 0xFFFF
        out.write(ipv4_fragment(src, dst, ident, 0, True, payload))
    return {"fragments": args.count, "reassembled": 0, "colliding_hash": "saddr ^ daddr ^ id ^ protocol (ipqhashfn before 2.6)"}


def mode_mixed(out, args, rng):
    flooder = (10 << 24) | 0x000001
    flood_payload = bytes(64)
    benign = 0
    fragments = 0
    for i in range(args.count):
        out.write(ipv4_fragment(flooder, TARGET, rng.getrandbits(16), 0, True, flood_payload))
        fragments += 1
        if i % args.benign_every == 0:
            src = (192 << 24) | (0 << 16) | (2 << 8) | (1 + benign % args.benign_hosts)
            ident = (benign // args.benign_hosts) & 0xFFFF
            data = rng.randbytes(1400)
            out.write(ipv4_fragment(src, TARGET, ident, 0, True, data[:1000]))
            # Flood fragments between a benign datagram's two halves, as on a busy link.
            for _ in range(args.benign_spread):
                out.write(ipv4_fragment(flooder, TARGET, rng.getrandbits(16), 0, True, flood_payload))
                fragments += 1
            out.write(ipv4_fragment(src, TARGET, ident, 1000, False, data[1000:]))
            fragments += 2
            benign += 1
    return {"fragments": fragments, "reassembled": benign, "benign_datagrams": benign}


MODES = {"flood": mode_flood, "smack": mode_smack, "reverse": mode_reverse, "collide": mode_collide, "mixed": mode_mixed}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=sorted(MODES))
    parser.add_argument("output", help="the pcap to write (NAME.pcap.json is written beside it)")
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--datagrams", type=int, default=20)
    parser.add_argument("--per-datagram", type=int, default=4000)
    parser.add_argument("--overlap-every", type=int, default=50, help="smack: every Nth fragment is 16 bytes (0: none)")
    parser.add_argument("--size", type=int, default=65512, help="reverse: datagram payload bytes (65512: the largest multiple of 8 that fits 65535 with a 20-byte header)")
    parser.add_argument("--benign-every", type=int, default=20)
    parser.add_argument("--benign-hosts", type=int, default=50)
    parser.add_argument("--benign-spread", type=int, default=3)
    parser.add_argument("--gap-us", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if min(args.count, args.datagrams, args.per_datagram, args.benign_every, args.benign_hosts, args.gap_us) < 1:
        parser.error("counts and --gap-us must be positive")

    rng = random.Random(args.seed)
    temporary = args.output + ".tmp"
    out = PcapWriter(temporary, args.gap_us)
    try:
        sidecar = MODES[args.mode](out, args, rng)
    finally:
        out.close()
    os.replace(temporary, args.output)
    sidecar.update({"mode": args.mode, "frames": out.frames, "seed": args.seed, "arguments": sys.argv[1:]})
    with open(args.output + ".json", "w") as side:
        json.dump(sidecar, side, indent=1)
        side.write("\n")
    print(f"attackgen: {args.mode}: {out.frames} frames -> {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
