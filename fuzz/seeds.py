#!/usr/bin/env python3
"""seeds.py DIR - frame-mode seeds for fuzz/Reassembly.Fuzz: byte 0 picks the link type, then [u16 length][frame]...

A few IPv4 and IPv6 datagrams in fragments (in order, reversed, overlapping), on Ethernet with a VLAN tag, so that
the fuzzer starts from inputs that reach reassembly. Standard library only.
"""
import os
import struct
import sys


def checksum(header):
    total = sum(word for (word,) in struct.iter_unpack("!H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF


def ipv4(offset, more, data, ident=7):
    header = struct.pack("!BBHHHBBHII", 0x45, 0, 20 + len(data), ident, (offset >> 3) | (0x2000 if more else 0), 64, 17, 0, 0xC0000201, 0xC6336402)
    return header[:10] + struct.pack("!H", checksum(header)) + header[12:] + data


def ipv6(offset, more, data, ident=9):
    fragment = struct.pack("!BBHI", 17, 0, offset | (1 if more else 0), ident)
    header = struct.pack("!IHBB", 0x60000000, len(fragment) + len(data), 44, 64) + bytes(15) + b"\x01" + bytes(15) + b"\x02"
    return header + fragment + data


def ethernet(ethertype, packet, vlan=None):
    head = bytes.fromhex("00005e005302" "00005e005301")
    if vlan is not None:
        head += struct.pack("!HH", 0x8100, vlan)
    return head + struct.pack("!H", ethertype) + packet


def frames(link_index, items):
    return bytes([link_index]) + b"".join(struct.pack("!H", len(f)) + f for f in items)


def main():
    out = sys.argv[1]
    data = bytes(range(256)) * 2
    pieces4 = [ipv4(0, True, data[:64]), ipv4(64, True, data[64:128]), ipv4(128, False, data[128:200])]
    pieces6 = [ipv6(0, True, data[:64]), ipv6(64, True, data[64:128]), ipv6(128, False, data[128:200])]
    seeds = {
        "frames-ipv4-in-order": frames(0, [ethernet(0x0800, p) for p in pieces4]),
        "frames-ipv4-reversed-vlan": frames(0, [ethernet(0x0800, p, vlan=100) for p in reversed(pieces4)]),
        "frames-ipv6-in-order": frames(0, [ethernet(0x86DD, p) for p in pieces6]),
        "frames-ipv4-overlap-raw": frames(1, [pieces4[0], ipv4(32, True, data[32:96]), pieces4[2]]),
        "frames-ipv6-raw": frames(3, list(reversed(pieces6))),
    }
    for name, blob in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(blob)


if __name__ == "__main__":
    main()
