#!/usr/bin/env python3
"""generate_lowpan.py - write lowpan.pcap (IEEE 802.15.4 with FCS, link type 195) and its sidecar lowpan.json.

Usage:  python3 pcaps/generate_lowpan.py            (writes next to this script)
        python3 pcaps/generate_lowpan.py --verify   (also checks tshark's 6LoWPAN dissector on the capture)

Standard library only, deterministic (fixed timestamps from 1700000000 s, no randomness).

Every IPv6 packet is first built whole from its fields (addresses, traffic class, flow label, hop limit, UDP ports,
payload, UDP checksum computed here); that packet is the expected output.  Its 6LoWPAN form is then written with the
compression modes each case names (RFC 6282 IPHC, NHC UDP; RFC 4944 FRAG1/FRAGN, mesh and broadcast headers), so the
expected bytes never come from a decompressor.

Cases (frame numbers are in the sidecar's "cases"): an unfragmented packet with fully elided addresses (extended
link-layer addresses), one with an uncompressed IPv6 header (dispatch 0x41), one behind mesh and broadcast headers, a
multicast one and a stateful (context 0) one; fragmented datagrams in order, out of order, with a duplicate fragment,
with an elided UDP checksum (computed by the receiver, RFC 6282 4.3.2), with an overlap (dropped), with a fragment past
datagram_size (size mismatch: refused, the datagram then times out) and one never completed (timeout); and frames that
carry no IPv6: an acknowledgment, a MAC command, a secured data frame.

Addresses: PAN 0xabcd, link-layer extended addresses 00:00:5e:ef:10:00:00:0N and short addresses 0x000N; the context
prefix 2001:db8:1::/64 (pass --lowpan-context 0=2001:db8:1::/64 to the replay, -o 6lowpan.context0:2001:db8:1::/64 to
tshark); global addresses in 2001:db8::/32.
"""

import ipaddress
import json
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
BASE_NS = 1_700_000_000 * 10**9
STEP_NS = 10_000_000                 # 10 ms between frames
PAN = 0xABCD
CONTEXT0 = ipaddress.IPv6Network("2001:db8:1::/64")
LINKTYPE_IEEE802_15_4_WITHFCS = 195


def ext(n):
    return 0x00005EEF10000000 | n


# ---------------------------------------------------------------- IEEE 802.15.4

def crc16_kermit(data):
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc


def addr_bytes(mode, value):
    return struct.pack("<H", value) if mode == 2 else struct.pack("<Q", value) if mode == 3 else b""


def mac_frame(payload, frame_type=1, src=None, dst=None, seq=0, security=False, ack_request=False, header_ies=None):
    """src/dst are (mode, value) with mode 2 short, 3 extended; PAN ID compression whenever both are present.
    header_ies (bytes) makes it a 2015 frame with those header IEs and an HT2 termination before the payload (for a
    short pair, the 2015 PAN ID table gives the same fields as 2003)."""
    src_mode, src_value = src or (0, 0)
    dst_mode, dst_value = dst or (0, 0)
    compress = src_mode != 0 and dst_mode != 0
    fc = frame_type | (0x08 if security else 0) | (0x20 if ack_request else 0) | (0x40 if compress else 0)
    fc |= (dst_mode << 10) | (1 << 12 if security else 0) | (src_mode << 14)
    if header_ies is not None:
        assert src_mode == 2 and dst_mode == 2 and not security
        fc |= 0x0200 | (2 << 12)
    header = struct.pack("<HB", fc, seq)
    if dst_mode:
        header += struct.pack("<H", PAN) + addr_bytes(dst_mode, dst_value)
    if src_mode:
        if not compress:
            header += struct.pack("<H", PAN)
        header += addr_bytes(src_mode, src_value)
    if header_ies is not None:
        payload = header_ies + struct.pack("<H", 0x7F << 7) + payload
    body = header + payload
    return body + struct.pack("<H", crc16_kermit(body))


def iid(mode, value):
    """RFC 4944 6 / RFC 6282 3.2.2: modified EUI-64, or 0000:00ff:fe00:XXXX for a short address."""
    if mode == 3:
        b = bytearray(struct.pack(">Q", value))
        b[0] ^= 0x02
        return bytes(b)
    return bytes([0, 0, 0, 0xFF, 0xFE, 0]) + struct.pack(">H", value)


def link_local(mode, value):
    return b"\xfe\x80" + bytes(6) + iid(mode, value)


# ---------------------------------------------------------------- IPv6, built whole

def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv6_udp(src, dst, sport, dport, payload, tc=0, flow=0, hlim=64):
    udp_len = 8 + len(payload)
    pseudo = src + dst + struct.pack("!IxxxB", udp_len, 17)
    udp = struct.pack("!HHHH", sport, dport, udp_len, 0) + payload
    c = checksum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    header = struct.pack("!IHBB", (6 << 28) | (tc << 20) | flow, udp_len, 17, hlim) + src + dst
    return header + udp


# ---------------------------------------------------------------- RFC 6282 compression with chosen modes

def iphc(packet, sam, dam, sac=0, dac=0, tf=3, hlim_mode=2, udp_ports=0, elide_checksum=False, nh_udp=True):
    """Compresses a whole IPv6/UDP packet; returns (compressed header bytes, uncompressed header length)."""
    word, _plen, nh, hlim = struct.unpack("!IHBB", packet[:8])
    src, dst = packet[8:24], packet[24:40]
    tc = (word >> 20) & 0xFF
    flow = word & 0xFFFFF
    multicast = dst[0] == 0xFF
    first = 0x60 | (tf << 3) | (0x04 if nh_udp else 0) | hlim_mode
    second = (0x40 if sac else 0) | (sam << 4) | (0x08 if multicast else 0) | (0x04 if dac else 0) | dam
    out = bytes([first, second])
    ecn, dscp = tc & 3, tc >> 2
    if tf == 0:
        out += bytes([(ecn << 6) | dscp]) + struct.pack("!I", flow)[1:]
    elif tf == 1:
        out += bytes([(ecn << 6) | (flow >> 16)]) + struct.pack("!H", flow & 0xFFFF)
    elif tf == 2:
        out += bytes([(ecn << 6) | dscp])
    if not nh_udp:
        out += bytes([nh])
    if hlim_mode == 0:
        out += bytes([hlim])
    out += {0: src, 1: src[8:], 2: src[14:], 3: b""}[sam] if not (sac and sam == 0) else b""
    if multicast:
        out += {0: dst, 1: dst[1:2] + dst[11:], 2: dst[1:2] + dst[13:], 3: dst[15:]}[dam]
    else:
        out += {0: dst, 1: dst[8:], 2: dst[14:], 3: b""}[dam]
    if not nh_udp:
        return out, 40
    sport, dport, _ulen, csum = struct.unpack("!HHHH", packet[40:48])
    nhc = 0xF0 | (0x04 if elide_checksum else 0) | udp_ports
    out += bytes([nhc])
    if udp_ports == 0:
        out += struct.pack("!HH", sport, dport)
    elif udp_ports == 1:
        out += struct.pack("!HB", sport, dport & 0xFF)
    elif udp_ports == 2:
        out += struct.pack("!BH", sport & 0xFF, dport)
    else:
        out += bytes([((sport & 0xF) << 4) | (dport & 0xF)])
    if not elide_checksum:
        out += struct.pack("!H", csum)
    return out, 48


def fragments(packet, compressed, header_len, tag, sizes):
    """FRAG1 carries the compressed header plus sizes[0] uncompressed bytes after it; FRAGNs carry sizes[1:]."""
    size = len(packet)
    frags = []
    first_end = header_len + sizes[0]
    frags.append(struct.pack("!HH", 0xC000 | size, tag) + compressed + packet[header_len:first_end])
    offset = first_end
    for n in sizes[1:]:
        assert offset % 8 == 0
        frags.append(struct.pack("!HHB", 0xE000 | size, tag, offset // 8) + packet[offset:offset + n])
        offset += n
    assert offset == size, (offset, size)
    return frags


def fragn(size, tag, offset, data):
    return struct.pack("!HHB", 0xE000 | size, tag, offset // 8) + data


def payload_bytes(n, seed):
    return bytes((seed * 31 + i * 7) & 0xFF for i in range(n))


# ---------------------------------------------------------------- the capture

def build():
    frames = []       # (ts_ns, bytes)
    expected = []     # (frame index that produces it, packet)
    cases = {}

    def add(frame, case=None):
        frames.append((BASE_NS + len(frames) * STEP_NS, frame))
        if case:
            cases.setdefault(case, []).append(len(frames) - 1)
        return len(frames) - 1

    e1, e2 = (3, ext(1)), (3, ext(2))
    s1, s2, s3 = (2, 1), (2, 2), (2, 3)
    g1 = ipaddress.IPv6Address("2001:db8::1").packed
    g2 = ipaddress.IPv6Address("2001:db8::2").packed

    # 1. Unfragmented, both addresses elided (derived from extended link-layer addresses), ports 0xF0B1 -> 0xF0B2.
    p = ipv6_udp(link_local(*e1), link_local(*e2), 0xF0B1, 0xF0B2, b"hello 6lowpan")
    c, h = iphc(p, sam=3, dam=3, udp_ports=3)
    expected.append((add(mac_frame(c + p[h:], src=e1, dst=e2, seq=1), "unfragmented-elided"), p))

    # 2. Unfragmented, uncompressed IPv6 header (dispatch 0x41).
    p = ipv6_udp(g1, g2, 40001, 40000, b"uncompressed header")
    expected.append((add(mac_frame(b"\x41" + p, src=s1, dst=s2, seq=2), "unfragmented-ipv6-dispatch"), p))

    # 3. Behind a mesh header (originator 0x0003, final 0x0002, short; 5 hops left) and a broadcast header: the
    #    elided addresses derive from the mesh addresses, not the MAC ones.
    p = ipv6_udp(link_local(*s3), link_local(*s2), 5683, 5683, b"mesh-under", hlim=255)
    c, h = iphc(p, sam=3, dam=3, hlim_mode=3, udp_ports=0)
    mesh = bytes([0x80 | 0x20 | 0x10 | 5]) + struct.pack("!HH", 3, 2) + b"\x50\x07"
    expected.append((add(mac_frame(mesh + c + p[h:], src=s1, dst=s2, seq=3), "mesh-broadcast"), p))

    # 4. Multicast ff02::1 (DAM=11), source 16 bits inline, traffic class and flow label inline (TF=00), hop limit inline.
    p = ipv6_udp(link_local(2, 0x0042), ipaddress.IPv6Address("ff02::1").packed, 0xF012, 1234, b"to all nodes",
                 tc=0xB8 | 1, flow=0x12345, hlim=7)
    c, h = iphc(p, sam=2, dam=3, tf=0, hlim_mode=0, udp_ports=2)
    expected.append((add(mac_frame(c + p[h:], src=s1, dst=(2, 0xFFFF), seq=4), "multicast"), p))

    # 5. Stateful: source from context 0 and the short address (SAC=1, SAM=11), destination context 0 and 64 bits inline.
    src = CONTEXT0.network_address.packed[:8] + iid(*s1)
    dst = CONTEXT0.network_address.packed[:8] + bytes.fromhex("0211223344556677")
    p = ipv6_udp(src, dst, 40001, 0xF005, b"context zero", tc=0x02, flow=0xABCDE)
    c, h = iphc(p, sam=3, dam=1, sac=1, dac=1, tf=1, udp_ports=1)
    expected.append((add(mac_frame(c + p[h:], src=s1, dst=s2, seq=5), "stateful-context"), p))

    # 5b. A 2015 frame with a header IE (Rendezvous Time, id 0x1d, 4 octets) and the HT2 termination before IPHC.
    p = ipv6_udp(link_local(*s1), link_local(*s2), 0xF0B5, 0xF0B6, b"ie list")
    c, h = iphc(p, sam=3, dam=3, udp_ports=3)
    ie = struct.pack("<H", (0x1D << 7) | 4) + b"\x10\x00\x20\x00"
    expected.append((add(mac_frame(c + p[h:], src=s1, dst=s2, seq=6, header_ies=ie), "ie-2015"), p))

    # 6. Fragmented in order: 300 bytes of UDP payload, short addresses, ports inline.
    p = ipv6_udp(link_local(*s1), link_local(*s2), 40001, 40000, payload_bytes(300, 6))
    c, h = iphc(p, sam=3, dam=3)
    fr = fragments(p, c, h, 0x0100, [48, 96, 96, 48 + 300 - 288])
    for i, f in enumerate(fr):
        last = add(mac_frame(f, src=s1, dst=s2, seq=10 + i), "in-order")
    expected.append((last, p))

    # 7. Out of order (last fragment first, FRAG1 last), global addresses inline, hop limit 1.
    p = ipv6_udp(g1, g2, 40001, 40000, payload_bytes(250, 7), hlim=1)
    c, h = iphc(p, sam=0, dam=0, hlim_mode=1)
    fr = fragments(p, c, h, 0x0101, [56, 96, 298 - 200])
    for i in (2, 1, 0):
        last = add(mac_frame(fr[i], src=e1, dst=e2, seq=20 + i), "out-of-order")
    expected.append((last, p))

    # 8. A duplicate FRAGN (identical bytes): ignored; the datagram still completes.
    p = ipv6_udp(link_local(*s2), link_local(*s1), 40000, 40001, payload_bytes(200, 8))
    c, h = iphc(p, sam=3, dam=3)
    fr = fragments(p, c, h, 0x0102, [56, 96, 248 - 200])
    add(mac_frame(fr[0], src=s2, dst=s1, seq=30), "duplicate")
    add(mac_frame(fr[1], src=s2, dst=s1, seq=31), "duplicate")
    add(mac_frame(fr[1], src=s2, dst=s1, seq=31), "duplicate")
    last = add(mac_frame(fr[2], src=s2, dst=s1, seq=32), "duplicate")
    expected.append((last, p))

    # 9. Elided UDP checksum over three fragments: the receiver computes it once the datagram is whole.
    p = ipv6_udp(link_local(*e2), link_local(*e1), 0xF0B3, 0xF0B4, payload_bytes(180, 9))
    c, h = iphc(p, sam=3, dam=3, udp_ports=3, elide_checksum=True)
    fr = fragments(p, c, h, 0x0103, [56, 96, 228 - 200])
    for i, f in enumerate(fr):
        last = add(mac_frame(f, src=e2, dst=e1, seq=40 + i), "checksum-elided")
    expected.append((last, p))

    # 10. Overlap: a FRAGN that overlaps held bytes without lying inside one run drops the datagram (RFC 5722 rule of
    #     Linux's inet_frag_queue_insert); the remaining fragment then starts a new queue that times out.
    p = ipv6_udp(link_local(*s1), link_local(*s3), 40001, 40000, payload_bytes(200, 10))
    c, h = iphc(p, sam=3, dam=3)
    fr = fragments(p, c, h, 0x0104, [56, 96, 248 - 200])
    add(mac_frame(fr[0], src=s1, dst=s3, seq=50), "overlap")                                   # [0, 104)
    add(mac_frame(fr[1], src=s1, dst=s3, seq=51), "overlap")                                   # [104, 200): one run
    add(mac_frame(fragn(len(p), 0x0104, 192, p[192:216]), src=s1, dst=s3, seq=52), "overlap")  # [192, 216): overlap
    add(mac_frame(fr[2], src=s1, dst=s3, seq=53), "overlap")                                   # [200, 248): new queue

    # 11. Size mismatch: a FRAGN reaching past datagram_size is refused; without it the datagram never completes.
    p = ipv6_udp(link_local(*s3), link_local(*s1), 40001, 40000, payload_bytes(150, 11))
    c, h = iphc(p, sam=3, dam=3)
    fr = fragments(p, c, h, 0x0105, [56, 198 - 104])
    add(mac_frame(fr[0], src=s3, dst=s1, seq=60), "size-mismatch")
    add(mac_frame(fragn(len(p), 0x0105, 104, p[104:] + b"\0" * 8), src=s3, dst=s1, seq=61), "size-mismatch")

    # 12. Frames without IPv6: an acknowledgment, a MAC command (data request), a secured data frame.
    add(struct.pack("<HB", 0x0002, 61) + struct.pack("<H", crc16_kermit(struct.pack("<HB", 0x0002, 61))), "acknowledgment")
    add(mac_frame(b"\x04", frame_type=3, src=e1, dst=s2, seq=62), "mac-command")
    secured = mac_frame(bytes([0x05, 1, 0, 0, 0]) + b"\x99" * 20, src=s1, dst=s2, seq=63, security=True)
    add(secured, "secured")

    # 13. Timeout: a lone FRAG1, then a frame 61 s of packet time later so that it expires before the input ends.
    p = ipv6_udp(link_local(*e1), link_local(*s2), 40001, 40000, payload_bytes(200, 13))
    c, h = iphc(p, sam=3, dam=3)
    fr = fragments(p, c, h, 0x0106, [56, 96, 248 - 200])
    add(mac_frame(fr[0], src=e1, dst=s2, seq=70), "timeout")
    late = ipv6_udp(link_local(*e1), link_local(*e2), 0xF0B1, 0xF0B2, b"after the timeout")
    c, h = iphc(late, sam=3, dam=3, udp_ports=3)
    frames.append((frames[-1][0] + 61 * 10**9, mac_frame(c + late[h:], src=e1, dst=e2, seq=71)))
    cases.setdefault("timeout", []).append(len(frames) - 1)
    expected.append((len(frames) - 1, late))

    return frames, expected, cases


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, LINKTYPE_IEEE802_15_4_WITHFCS))
        for ts, data in frames:
            f.write(struct.pack("<IIII", ts // 10**9, (ts % 10**9) // 1000, len(data), len(data)))
            f.write(data)


def main():
    frames, expected, cases = build()
    pcap = os.path.join(HERE, "lowpan.pcap")
    write_pcap(pcap, frames)
    expected.sort()
    sidecar = {
        "description": "IEEE 802.15.4 (link type 195, with FCS) carrying 6LoWPAN, written by generate_lowpan.py; replay "
                       "with --lowpan-context 0=2001:db8:1::/64. The output is raw IPv6 (link type 229): every "
                       "decompressed or reassembled packet, in input order.",
        "input_format": "pcap",
        "frames": len(frames),
        "cases": cases,
        "replay_arguments": ["--lowpan-context", "0=" + str(CONTEXT0)],
        "expected": {
            "ipv4": {"reassembled": 0, "not_fragmented": 0, "malformed": 0},
            "ipv6": {"reassembled": 0, "not_fragmented": 0, "malformed": 0},
            "lowpan": {
                "Frames": len(frames), "NotFragmented": 7, "ReasmOKs": 4, "ReasmOverlaps": 1, "ReasmTimeout": 3,
                "ReasmReqds": 21, "ReasmFails": 5, "NotIp": 2, "SecurityEnabled": 1, "Unsupported": 0, "Malformed": 0,
            },
        },
        "output_link_type": 229,
        "output": [{"frame": i, "ts_ns": frames[i][0], "interface": 0, "hex": p.hex()} for i, p in expected],
    }
    with open(os.path.join(HERE, "lowpan.json"), "w") as f:
        json.dump(sidecar, f, indent=1)
        f.write("\n")
    if "--verify" in sys.argv:
        verify(pcap, expected)


def verify(pcap, expected):
    """tshark's own 6LoWPAN dissector and reassembly must show the same IPv6 packets at the same frames."""
    out = subprocess.run(
        ["tshark", "-r", pcap, "-o", "6lowpan.context0:" + str(CONTEXT0), "-T", "fields",
         "-e", "frame.number", "-e", "ipv6.src", "-e", "ipv6.dst", "-e", "udp.srcport", "-e", "udp.dstport",
         "-e", "udp.length", "-Y", "ipv6"], check=True, capture_output=True, text=True).stdout
    seen = {}
    for line in out.splitlines():
        number, src, dst, sport, dport, ulen = line.split("\t")
        seen[int(number) - 1] = (src, dst, int(sport), int(dport), int(ulen))
    for index, packet in expected:
        want = (str(ipaddress.IPv6Address(packet[8:24])), str(ipaddress.IPv6Address(packet[24:40])),
                *struct.unpack("!HHH", packet[40:46]))
        if seen.get(index) != want:
            sys.exit(f"tshark disagrees at frame {index}: {seen.get(index)} != {want}")
    print(f"tshark agrees on {len(expected)} packets")


if __name__ == "__main__":
    main()
