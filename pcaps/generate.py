#!/usr/bin/env python3
"""generate.py - write the sample captures in this directory and their JSON sidecars.

Usage:  python3 pcaps/generate.py            (from anywhere; writes next to this script)
        python3 pcaps/generate.py --verify   (also cross-check every capture with tshark)

Only the Python standard library is used and the output is deterministic
(fixed seeds, fixed timestamps): running the script again rewrites identical
bytes.  The outputs are committed, so tests never need to run it.

Every capture ``NAME.pcap`` / ``NAME.pcapng`` gets a sidecar ``NAME.json``
with the exact output expected from ``reassembly replay`` (see README.md for
the format).  The expected output is computed twice, independently:

1. by construction: each hand-built datagram knows its original bytes and
   which frame completes it, so the expected reassembled frame is built from
   the original datagram (not from the fragments);
2. by a small reference model (``replay_model``) that parses the written file
   and reassembles it following Linux's inet_frag rules ("runs", duplicate vs
   overlap).

The script fails if the two disagree.  The attack captures in ``attacks/`` get one expected
output per overlap policy, again by construction and by a policy model (``attack_model``).
``sample.pcap`` is written by the
benchmark generator ``<repo>/../shared/bench/genfrag.py``; its expected output
comes from the model only (the genfrag sidecar's counts are cross-checked).
If genfrag.py is not present, the committed sample.pcap is kept and only its
sidecar is rewritten.

Only documentation addresses are used in the hand-built captures:
192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32 and the
documentation MAC block 00:00:5e:00:53:xx (RFC 7042).
"""

import hashlib
import ipaddress
import json
import os
import random
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
GENFRAG = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "bench", "genfrag.py"))

BASE_NS = 1_700_000_000 * 10**9      # 2023-11-14T22:13:20Z, a multiple of 1/512 s
STEP_NS = 4_000_000                  # 4 ms between frames

LT_NULL, LT_ETHERNET, LT_RAW, LT_LOOP, LT_SLL, LT_IPV4, LT_IPV6, LT_SLL2 = 0, 1, 101, 108, 113, 228, 229, 276

ETH_IPV4, ETH_IPV6, ETH_ARP = 0x0800, 0x86DD, 0x0806
TPID_8021Q, TPID_8021AD = 0x8100, 0x88A8
VLAN_TPIDS = (0x8100, 0x88A8, 0x9100)

P_HOPOPT, P_ICMP, P_UDP, P_ROUTING, P_FRAGMENT, P_ICMPV6, P_DSTOPTS = 0, 1, 17, 43, 44, 58, 60

MAC1 = bytes.fromhex("00005e005301")
MAC2 = bytes.fromhex("00005e005302")
MAC3 = bytes.fromhex("00005e005303")


def a4(text):
    return ipaddress.IPv4Address(text).packed


def a6(text):
    return ipaddress.IPv6Address(text).packed


# --------------------------------------------------------------------------
# Packet building
# --------------------------------------------------------------------------

def csum(data):
    if len(data) & 1:
        data += b"\x00"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def udp(src, dst, sport, dport, payload):
    """UDP header + payload with a valid checksum (IPv4 or IPv6 pseudo header)."""
    length = 8 + len(payload)
    if len(src) == 4:
        pseudo = src + dst + struct.pack("!BBH", 0, P_UDP, length)
    else:
        pseudo = src + dst + struct.pack("!I3xB", length, P_UDP)
    c = csum(pseudo + struct.pack("!HHHH", sport, dport, length, 0) + payload) or 0xFFFF
    return struct.pack("!HHHH", sport, dport, length, c) + payload


def icmp4_echo(ident, seq, payload):
    body = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + payload
    return body[:2] + struct.pack("!H", csum(body)) + body[4:]


def icmp6_echo(src, dst, ident, seq, payload):
    body = struct.pack("!BBHHH", 128, 0, 0, ident, seq) + payload
    pseudo = src + dst + struct.pack("!I3xB", len(body), P_ICMPV6)
    return body[:2] + struct.pack("!H", csum(pseudo + body)) + body[4:]


def ipv4_header(src, dst, proto, ident, data_len, offset=0, mf=False, df=False, ttl=64,
                tos=0, options=b"", ihl=None, total_length=None, rsv=False):
    assert len(options) % 4 == 0 and offset % 8 == 0
    hl = 20 + len(options)
    if ihl is None:
        ihl = hl // 4
    if total_length is None:
        total_length = hl + data_len
    flags = (0x8000 if rsv else 0) | (0x4000 if df else 0) | (0x2000 if mf else 0) | (offset >> 3)
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, tos, total_length, ident, flags, ttl, proto,
                    0, src, dst) + options
    return h[:10] + struct.pack("!H", csum(h)) + h[12:]


def ipv6_header(src, dst, payload_len, nh, hlim=64, tc=0, flow=0):
    return struct.pack("!IHBB16s16s", (6 << 28) | (tc << 20) | flow, payload_len, nh, hlim, src, dst)


def pad_options(opts, fixed):
    """Pad an options area so that ``fixed + len(opts)`` is a multiple of 8 (Pad1/PadN)."""
    need = (-(fixed + len(opts))) % 8
    if need == 1:
        return opts + b"\x00"
    if need:
        return opts + bytes([1, need - 2]) + bytes(need - 2)
    return opts


def ext_opts(proto, opts=b""):
    """Hop-by-hop (0) or Destination Options (60) header, as (proto, body without next-header byte)."""
    opts = pad_options(opts, 2)
    return (proto, bytes([(2 + len(opts)) // 8 - 1]) + opts)


def ext_srh(segment):
    """Segment Routing Header (routing type 4), one segment, Segments Left 0."""
    return (P_ROUTING, bytes([2, 4, 0, 0, 0]) + b"\x00\x00" + segment)


def chain(exts, last_nh):
    """Serialise extension headers; returns (first next-header value, bytes)."""
    out = b""
    for i, (proto, body) in enumerate(exts):
        nh = exts[i + 1][0] if i + 1 < len(exts) else last_nh
        out += bytes([nh]) + body
        assert len(bytes([nh]) + body) % 8 == 0
    return (exts[0][0] if exts else last_nh), out


def eth(ethertype, tags=(), dst=MAC2, src=MAC1):
    hdr = dst + src
    for tpid, tci in tags:
        hdr += struct.pack("!HH", tpid, tci)
    return hdr + struct.pack("!H", ethertype)


def sll(proto, pkttype=0, addr=MAC1, arphrd=1):
    return struct.pack("!HHH8sH", pkttype, arphrd, len(addr), addr, proto)


def sll2(proto, pkttype=0, addr=MAC1, ifindex=2, arphrd=1):
    return struct.pack("!HHIHBB8s", proto, 0, ifindex, arphrd, pkttype, len(addr), addr)


def split(length, sizes):
    """[(start, end)] pieces of the given sizes, the last one taking the rest."""
    out, pos = [], 0
    for s in sizes:
        assert s % 8 == 0
        out.append((pos, pos + s))
        pos += s
    assert pos < length
    out.append((pos, length))
    return out


class Dgram4:
    """An IPv4 datagram and its fragments (headers may differ per fragment)."""

    def __init__(self, src, dst, proto, ident, l4, sizes, ttl=64, tos=0, df=False,
                 first_options=b"", other_options=b"", other_ttl=None, expect="complete"):
        self.family = "ipv4"
        self.src, self.dst, self.proto, self.ident, self.l4 = src, dst, proto, ident, l4
        self.pieces = split(len(l4), sizes)
        self.ttl, self.tos, self.df = ttl, tos, df
        self.first_options, self.other_options = first_options, other_options
        self.other_ttl = ttl if other_ttl is None else other_ttl
        self.expect = expect

    def frag(self, start, end, data=None):
        data = self.l4[start:end] if data is None else data
        first = start == 0
        return ipv4_header(self.src, self.dst, self.proto, self.ident, len(data), offset=start,
                           mf=end < len(self.l4), df=self.df,
                           ttl=self.ttl if first else self.other_ttl, tos=self.tos,
                           options=self.first_options if first else self.other_options) + data

    def reassembled(self):
        return ipv4_header(self.src, self.dst, self.proto, self.ident, len(self.l4), df=self.df,
                           ttl=self.ttl, tos=self.tos, options=self.first_options) + self.l4


class Dgram6:
    """An IPv6 datagram: unfragmentable extension headers + fragmentable part."""

    def __init__(self, src, dst, ident, exts, frag_nh, fragmentable, sizes, hlim=64,
                 expect="complete"):
        self.family = "ipv6"
        self.src, self.dst, self.ident = src, dst, ident
        self.exts, self.frag_nh, self.l4 = exts, frag_nh, fragmentable
        self.pieces = split(len(fragmentable), sizes)
        self.hlim = hlim
        self.expect = expect

    def frag(self, start, end, data=None):
        data = self.l4[start:end] if data is None else data
        first_nh, ext = chain(self.exts, P_FRAGMENT)
        more = 1 if end < len(self.l4) else 0
        fh = struct.pack("!BBHI", self.frag_nh, 0, start | more, self.ident)
        return ipv6_header(self.src, self.dst, len(ext) + 8 + len(data), first_nh,
                           self.hlim) + ext + fh + data

    def reassembled(self):
        first_nh, ext = chain(self.exts, self.frag_nh)
        return ipv6_header(self.src, self.dst, len(ext) + len(self.l4), first_nh,
                           self.hlim) + ext + self.l4


def plain4(src, dst, l4, proto=P_UDP, ident=0x0001, options=b"", df=True):
    return ipv4_header(src, dst, proto, ident, len(l4), df=df, options=options) + l4


def plain6(src, dst, l4, nh=P_UDP, exts=()):
    first_nh, ext = chain(list(exts), nh)
    return ipv6_header(src, dst, len(ext) + len(l4), first_nh) + ext + l4


# --------------------------------------------------------------------------
# Capture assembly with expected output "by construction"
# --------------------------------------------------------------------------

class Capture:
    def __init__(self, name, description, fmt="pcap", linktype=LT_ETHERNET, nsec=False,
                 big_endian=False, interfaces=None):
        self.name, self.description, self.fmt = name, description, fmt
        self.linktype, self.nsec, self.big_endian = linktype, nsec, big_endian
        # pcapng: list of dicts {"linktype", "tsresol" (option byte or None), "name"}
        self.interfaces = interfaces
        self.frames = []        # (ts_ns, iface, bytes)
        self.expected = []      # (ts_ns, iface, bytes)
        self.counts = new_counts()
        self.truncate_last = 0  # bytes cut off the end of the file
        self.state = {}         # dgram object -> bookkeeping
        self.epb_options = {}   # frame index -> options bytes (pcapng)

    def linktype_of(self, iface):
        return self.interfaces[iface]["linktype"] if self.fmt == "pcapng" else self.linktype

    def next_ts(self, iface):
        i = len(self.frames)
        ts = BASE_NS + i * STEP_NS
        if self.fmt == "pcapng":
            res = self.interfaces[iface]["tsresol"]
            if res == 9:
                ts += 123 + i          # sub-microsecond part
            elif res is None or res == 6:
                pass                   # microsecond grid
            else:
                assert res & 0x80 and (res & 0x7F) >= 9
                grid = 1_953_125       # 1/512 s: exact both in ns and in 2^-k units (k >= 9)
                ts -= ts % grid
        elif self.nsec:
            ts += 1000 * (i % 7) + 17 * i + 1   # not a whole microsecond
        return ts

    def _add(self, data, iface, ts):
        if ts is None:
            ts = self.next_ts(iface)
        self.frames.append((ts, iface, data))
        return ts

    def passthru(self, data, kind, iface=0, ts=None):
        """A frame that must come out unchanged: kind is (family, counter) or 'not_ip'."""
        ts = self._add(data, iface, ts)
        self.expected.append((ts, iface, data))
        if kind == "not_ip":
            self.counts["not_ip"] += 1
        else:
            self.counts[kind[0]][kind[1]] += 1

    def frag(self, dg, index, link, iface=0, trailer=b"", ts=None, piece=None, data=None,
             legit=True):
        """Add fragment ``index`` of ``dg`` (or an arbitrary ``piece`` = (start, end))."""
        start, end = dg.pieces[index] if piece is None else piece
        ip = dg.frag(start, end, data)
        ts = self._add(link + ip + trailer, iface, ts)
        st = self.state.setdefault(dg, {"have": set(), "done": False, "link0": None})
        if not legit or st["done"]:
            return
        st["have"].add((start, end))
        if start == 0:
            st["link0"] = (link, iface)
        covered = sorted(st["have"])
        pos = 0
        for s, e in covered:
            if s > pos:
                break
            pos = max(pos, e)
        if pos == len(dg.l4) and dg.expect == "complete":
            st["done"] = True
            link0, iface0 = st["link0"]
            self.expected.append((ts, iface0, link0 + dg.reassembled()))
            self.counts[dg.family]["reassembled"] += 1


def new_counts():
    return {"ipv4": {"reassembled": 0, "not_fragmented": 0, "malformed": 0},
            "ipv6": {"reassembled": 0, "not_fragmented": 0, "malformed": 0},
            "not_ip": 0}


# --------------------------------------------------------------------------
# File writers
# --------------------------------------------------------------------------

def pcap_bytes(frames, linktype, nsec=False, big_endian=False, snaplen=262144):
    e = ">" if big_endian else "<"
    out = [struct.pack(e + "IHHiIII", 0xA1B23C4D if nsec else 0xA1B2C3D4, 2, 4, 0, 0,
                       snaplen, linktype)]
    for ts, _iface, data in frames:
        sec, frac = divmod(ts, 10**9)
        if not nsec:
            assert frac % 1000 == 0
            frac //= 1000
        out.append(struct.pack(e + "IIII", sec, frac, len(data), len(data)))
        out.append(data)
    return b"".join(out)


def ng_option(code, value):
    return struct.pack("<HH", code, len(value)) + value + bytes((-len(value)) % 4)


def ng_options(opts):
    if not opts:
        return b""
    return b"".join(ng_option(c, v) for c, v in opts) + struct.pack("<HH", 0, 0)


def ng_block(btype, body):
    body += bytes((-len(body)) % 4)
    n = 12 + len(body)
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def ts_ticks(ts, tsresol):
    if tsresol is None:
        tsresol = 6
    if tsresol & 0x80:
        num = ts * (1 << (tsresol & 0x7F))
    else:
        num = ts * 10**tsresol
    assert num % 10**9 == 0, "timestamp not representable"
    return num // 10**9


def pcapng_bytes(cap):
    out = [ng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)
                    + ng_options([(4, b"generate.py (Reassembly sample captures)")]))]
    for itf in cap.interfaces:
        opts = [(2, itf["name"].encode())]
        if itf["tsresol"] is not None:
            opts.append((9, bytes([itf["tsresol"]])))
        out.append(ng_block(1, struct.pack("<HHI", itf["linktype"], 0, 262144) + ng_options(opts)))
    for i, (ts, iface, data) in enumerate(cap.frames):
        t = ts_ticks(ts, cap.interfaces[iface]["tsresol"])
        body = struct.pack("<IIIII", iface, t >> 32, t & 0xFFFFFFFF, len(data), len(data))
        body += data + bytes((-len(data)) % 4) + cap.epb_options.get(i, b"")
        out.append(ng_block(6, body))
    # Interface Statistics Block for interface 0 (readers must skip it).
    ts, _, _ = cap.frames[-1]
    t = ts_ticks(ts - ts % 1_953_125, cap.interfaces[0]["tsresol"])
    n0 = sum(1 for f in cap.frames if f[1] == 0)
    out.append(ng_block(5, struct.pack("<III", 0, t >> 32, t & 0xFFFFFFFF)
                        + ng_options([(4, struct.pack("<Q", n0)), (5, struct.pack("<Q", 0))])))
    return b"".join(out)


# --------------------------------------------------------------------------
# Reference model: parse a capture file and replay it (Linux inet_frag rules)
# --------------------------------------------------------------------------

class Ambiguous(Exception):
    """A case whose result would depend on counter/drop semantics we keep out of the samples."""


def read_capture(blob):
    """Returns (format, interfaces [(linktype, info)], frames [(ts_ns, iface, bytes)], truncated)."""
    magic = blob[:4]
    if magic == b"\x0a\x0d\x0d\x0a":
        return read_pcapng(blob)
    for e in ("<", ">"):
        m = struct.unpack(e + "I", magic)[0]
        if m in (0xA1B2C3D4, 0xA1B23C4D):
            break
    else:
        raise ValueError("not a capture")
    nsec = m == 0xA1B23C4D
    linktype = struct.unpack(e + "I", blob[20:24])[0] & 0x0FFFFFFF
    frames, pos, truncated = [], 24, False
    while pos < len(blob):
        if pos + 16 > len(blob):
            truncated = True
            break
        sec, frac, incl, _orig = struct.unpack(e + "IIII", blob[pos:pos + 16])
        if pos + 16 + incl > len(blob):
            truncated = True
            break
        frames.append((sec * 10**9 + frac * (1 if nsec else 1000), 0, blob[pos + 16:pos + 16 + incl]))
        pos += 16 + incl
    return "pcap", [(linktype, "ns" if nsec else "us")], frames, truncated


def read_pcapng(blob):
    pos, itfs, frames = 0, [], []
    while pos < len(blob):
        btype, blen = struct.unpack("<II", blob[pos:pos + 8])
        body = blob[pos + 8:pos + blen - 4]
        if btype == 1:
            lt = struct.unpack("<H", body[:2])[0]
            res, p = 6, 8
            while p + 4 <= len(body):
                code, olen = struct.unpack("<HH", body[p:p + 4])
                if code == 0:
                    break
                if code == 9:
                    res = body[p + 4]
                p += 4 + olen + (-olen) % 4
            itfs.append((lt, res))
        elif btype == 6:
            iface, hi, lo, cap = struct.unpack("<IIII", body[:16])
            t = (hi << 32) | lo
            res = itfs[iface][1]
            div = (1 << (res & 0x7F)) if res & 0x80 else 10**res
            assert (t * 10**9) % div == 0
            frames.append((t * 10**9 // div, iface, body[20:20 + cap]))
        pos += blen
    return "pcapng", itfs, frames, False


def parse_link(lt, d):
    """Returns (family or None, link-header length, tag stack)."""
    if lt == LT_ETHERNET:
        if len(d) < 14:
            return None, 0, ()
        et, pos, tags = struct.unpack("!H", d[12:14])[0], 14, []
        while et in VLAN_TPIDS and len(d) >= pos + 4:
            tags.append((et, struct.unpack("!H", d[pos:pos + 2])[0] & 0x0FFF))
            et = struct.unpack("!H", d[pos + 2:pos + 4])[0]
            pos += 4
        fam = {ETH_IPV4: "ipv4", ETH_IPV6: "ipv6"}.get(et)
        return fam, pos, tuple(tags)
    if lt in (LT_SLL, LT_SLL2):
        n = 16 if lt == LT_SLL else 20
        if len(d) < n:
            return None, 0, ()
        et = struct.unpack("!H", d[14:16] if lt == LT_SLL else d[0:2])[0]
        return {ETH_IPV4: "ipv4", ETH_IPV6: "ipv6"}.get(et), n, ()
    if lt in (LT_NULL, LT_LOOP):
        af = struct.unpack("<I" if lt == LT_NULL else "!I", d[:4])[0]
        if af == 2:
            return "ipv4", 4, ()
        if af in (10, 24, 28, 30):
            return "ipv6", 4, ()
        return None, 4, ()
    if lt == LT_IPV4:
        return "ipv4", 0, ()
    if lt == LT_IPV6:
        return "ipv6", 0, ()
    if lt == LT_RAW:
        v = d[0] >> 4 if d else 0
        return {4: "ipv4", 6: "ipv6"}.get(v), 0, ()
    return None, 0, ()


def parse_ip(fam, ip):
    """('malformed',) | ('whole',) | ('frag', key_part, offset, end, last, data, head)

    ``head`` is what the reassembled packet keeps from the offset-0 fragment."""
    if fam == "ipv4":
        if len(ip) < 20 or ip[0] >> 4 != 4:
            return ("malformed",)
        hl = (ip[0] & 15) * 4
        tot = struct.unpack("!H", ip[2:4])[0]
        if hl < 20 or tot < hl or tot > len(ip):
            return ("malformed",)
        fo = struct.unpack("!H", ip[6:8])[0]
        off, mf = (fo & 0x1FFF) * 8, bool(fo & 0x2000)
        if off == 0 and not mf:
            return ("whole",)
        data = ip[hl:tot]
        if off + len(data) > 65535:
            return ("malformed",)
        key = (ip[12:16], ip[16:20], ip[4:6], ip[9])
        return ("frag", key, off, off + len(data), not mf, data, ip[:hl])
    if len(ip) < 40 or ip[0] >> 4 != 6:
        return ("malformed",)
    plen = struct.unpack("!H", ip[4:6])[0]
    if plen > len(ip) - 40:
        return ("malformed",)
    ip = ip[:40 + plen]
    nh, pos, prev = ip[6], 40, 6
    while nh in (P_HOPOPT, P_ROUTING, P_DSTOPTS):
        if pos + 8 > len(ip):
            return ("malformed",)
        n = (ip[pos + 1] + 1) * 8
        if pos + n > len(ip):
            return ("malformed",)
        prev, nh, pos = pos, ip[pos], pos + n
    if nh != P_FRAGMENT:
        return ("whole",)
    if pos + 8 > len(ip):
        return ("malformed",)
    fnh, _r, fo, ident = struct.unpack("!BBHI", ip[pos:pos + 8])
    off, m = fo & 0xFFF8, bool(fo & 1)
    if off == 0 and not m:
        raise Ambiguous("atomic fragment")
    data = ip[pos + 8:]
    head = bytearray(ip[:pos])
    head[prev] = fnh
    key = (ip[8:24], ip[24:40], ident)
    return ("frag", key, off, off + len(data), not m, data, bytes(head))


class Queue:
    def __init__(self):
        self.runs = []          # [start, end] of each run
        self.last_run = None    # index into runs of the run holding the tail fragment
        self.tail_end = None    # end of the fragment with the highest offset
        self.frags = {}         # offset -> data
        self.len = 0
        self.last_in = False
        self.first = None       # (link header, iface, head)
        self.meat = 0


def queue_insert(q, off, end):
    """Linux inet_frag_queue_insert: 'ok', 'dup' or 'overlap'."""
    if q.tail_end is None:
        q.runs.append([off, end])
        q.last_run = len(q.runs) - 1
        q.tail_end = end
        return "ok"
    if q.tail_end < end:
        if off < q.tail_end:
            return "overlap"
        if off == q.tail_end:
            q.runs[q.last_run][1] = end
        else:
            q.runs.append([off, end])
            q.last_run = len(q.runs) - 1
        q.tail_end = end
        return "ok"
    for s, e in q.runs:
        if end <= s or off >= e:
            continue
        if off >= s and end <= e:
            return "dup"
        return "overlap"
    q.runs.append([off, end])        # new run in a gap; tail and last run unchanged
    return "ok"


def replay_model(blob):
    fmt, itfs, frames, truncated = read_capture(blob)
    queues, out, counts = {}, [], new_counts()
    events = {"dup": 0, "overlap_drop": 0}
    for ts, iface, d in frames:
        fam, l2, tags = parse_link(itfs[iface][0], d)
        if fam is None:
            counts["not_ip"] += 1
            out.append((ts, iface, d))
            continue
        r = parse_ip(fam, d[l2:])
        if r[0] in ("malformed", "whole"):
            counts[fam]["malformed" if r[0] == "malformed" else "not_fragmented"] += 1
            out.append((ts, iface, d))
            continue
        _, kpart, off, end, last, data, head = r
        key = (fam, tags) + kpart
        q = queues.setdefault(key, Queue())
        if end == off:
            raise Ambiguous("zero-length fragment")
        if last:
            if end < q.len or (q.last_in and end != q.len):
                raise Ambiguous("conflicting end")
            q.last_in, q.len = True, end
        else:
            if end % 8:
                raise Ambiguous("non-last fragment not a multiple of 8")
            if end > q.len:
                if q.last_in:
                    raise Ambiguous("fragment past the known end")
                q.len = end
        res = queue_insert(q, off, end)
        if res == "dup":
            events["dup"] += 1
            continue
        if res == "overlap":
            events["overlap_drop"] += 1
            del queues[key]
            continue
        q.frags[off] = data
        q.meat += len(data)
        if off == 0:
            q.first = (d[:l2], iface, head)
        if q.first is not None and q.last_in and q.meat == q.len:
            del queues[key]
            link, iface0, head = q.first
            payload = b"".join(q.frags[o] for o in sorted(q.frags))
            assert len(payload) == q.len
            if fam == "ipv4":
                tot = len(head) + len(payload)
                if tot > 65535:
                    raise Ambiguous("oversized")
                h = bytearray(head)
                h[2:4] = struct.pack("!H", tot)
                h[6:8] = struct.pack("!H", struct.unpack("!H", h[6:8])[0] & 0xC000)
                h[10:12] = b"\x00\x00"
                h[10:12] = struct.pack("!H", csum(bytes(h)))
                ip = bytes(h) + payload
            else:
                plen = len(head) - 40 + len(payload)
                if plen > 65535:
                    raise Ambiguous("oversized")
                ip = head[:4] + struct.pack("!H", plen) + head[6:] + payload
            out.append((ts, iface0, link + ip))
            counts[fam]["reassembled"] += 1
    return {"format": fmt, "interfaces": itfs, "frames": len(frames), "truncated": truncated,
            "output": out, "counts": counts, "events": events, "pending": len(queues)}


# --------------------------------------------------------------------------
# The captures
# --------------------------------------------------------------------------

def payload(rng, n):
    return rng.randbytes(n)


def cap_ethernet_vlan():
    cap = Capture("ethernet-vlan", "Ethernet with no tag, one 802.1Q tag, 802.1ad+802.1Q (QinQ) and "
                  "three tags. The same IPv4 key (src, dst, ID, protocol) is used by four datagrams on "
                  "four different tag stacks and the same IPv6 key by two, all interleaved: each must "
                  "reassemble separately. One datagram's completing fragment has a different source MAC "
                  "(the output uses the offset-0 fragment's link header); one last fragment is padded to "
                  "the 60-byte Ethernet minimum (the padding is not part of the output). Also an "
                  "unfragmented IPv4 and IPv6 packet and an ARP frame (not IP) pass through.")
    rng = random.Random(101)
    S0, S1, S2 = (), ((TPID_8021Q, 100),), ((TPID_8021Q, 200),)
    S3 = ((TPID_8021AD, 10), (TPID_8021Q, 100))
    S4 = ((TPID_8021AD, 10), (TPID_8021Q, 20), (TPID_8021Q, 30))
    src, dst = a4("192.0.2.1"), a4("198.51.100.2")
    stacks = [S0, S1, S2, S3]
    d4 = [Dgram4(src, dst, P_UDP, 0x1234, udp(src, dst, 40001, 40000, payload(rng, 1000)),
                 [400, 400]) for _ in stacks]
    pad_dg = Dgram4(src, dst, P_UDP, 0x1235, udp(src, dst, 40001, 40000, payload(rng, 256)), [256])
    s6, t6 = a6("2001:db8::1"), a6("2001:db8:1::2")
    d6 = [Dgram6(s6, t6, 0x0DB80001, [], P_UDP, udp(s6, t6, 40001, 40000, payload(rng, 900)),
                 [448, 448 - 8 * k]) for k in range(2)]
    L4 = lambda tags, **kw: eth(ETH_IPV4, tags, **kw)
    L6 = lambda tags: eth(ETH_IPV6, tags)

    arp = eth(ETH_ARP, dst=b"\xff" * 6) + struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, MAC1, src, bytes(6), dst) + bytes(18)
    cap.passthru(arp, "not_ip")
    order = [(0, 1), (1, 1), (2, 0), (3, 2), (0, 0), (1, 2), (2, 2), (3, 0), (1, 0), (2, 1), (3, 1)]
    for k, i in order[:6]:
        cap.frag(d4[k], i, L4(stacks[k]))
    cap.frag(d6[0], 2, L6(S1))
    cap.frag(d6[1], 0, L6(S4))
    cap.passthru(L4(S2) + plain4(src, dst, udp(src, dst, 40001, 40000, payload(rng, 64))),
                 ("ipv4", "not_fragmented"))
    cap.frag(d6[0], 0, L6(S1))
    cap.frag(d6[1], 2, L6(S4))
    for k, i in order[6:]:
        cap.frag(d4[k], i, L4(stacks[k]))
    cap.frag(pad_dg, 1, L4(S1), trailer=bytes(60 - (18 + 20 + 8)))
    cap.frag(d6[1], 1, L6(S4))
    cap.frag(d4[0], 2, L4(S0, src=MAC3))     # completes d4[0]: output keeps MAC1 from offset 0
    cap.passthru(L6(S3) + plain6(s6, t6, udp(s6, t6, 40001, 40000, payload(rng, 40))),
                 ("ipv6", "not_fragmented"))
    cap.frag(pad_dg, 0, L4(S1))
    cap.frag(d6[0], 1, L6(S1))
    return cap


def cap_ipv4_options():
    cap = Capture("ipv4-options", "IPv4 with options (IHL > 5). A: the offset-0 fragment carries NOP + "
                  "Record Route (not copied), later fragments have no options, offset 0 arrives second. "
                  "B: ICMP echo; offset 0 carries Router Alert + NOP + Record Route (IHL 10), later "
                  "fragments only the copied Router Alert (IHL 6) and TTL 63. C: DF set in every "
                  "fragment and a non-zero TOS, no options. The reassembled packet uses the offset-0 "
                  "fragment's header, options included. Also an unfragmented packet with Router Alert.")
    rng = random.Random(102)
    src, dst, c = a4("192.0.2.10"), a4("203.0.113.20"), a4("198.51.100.30")
    rr2 = b"\x01" + bytes([7, 11, 4]) + bytes(8)
    ra = bytes([0x94, 4, 0, 0])
    rr3 = ra + b"\x01" + bytes([7, 15, 8]) + a4("192.0.2.254") + bytes(8)
    A = Dgram4(src, c, P_UDP, 0x0A01, udp(src, c, 40001, 40000, payload(rng, 1500)), [600, 600],
               first_options=rr2)
    B = Dgram4(src, dst, P_ICMP, 0x0A02, icmp4_echo(0x77, 1, payload(rng, 1200)), [320, 320, 320],
               first_options=rr3, other_options=ra, other_ttl=63)
    C = Dgram4(c, dst, P_UDP, 0x0A03, udp(c, dst, 40001, 40000, payload(rng, 700)), [512],
               df=True, tos=0xB8)
    L = eth(ETH_IPV4)
    cap.frag(A, 2, L)
    cap.frag(B, 0, L)
    cap.frag(A, 0, L)
    cap.frag(C, 1, L)
    cap.frag(B, 3, L)
    cap.passthru(L + plain4(src, dst, udp(src, dst, 40001, 40000, payload(rng, 32)), options=ra),
                 ("ipv4", "not_fragmented"))
    cap.frag(A, 1, L)
    cap.frag(B, 2, L)
    cap.frag(C, 0, L)
    cap.frag(B, 1, L)
    return cap


def cap_ipv6_exthdrs():
    cap = Capture("ipv6-exthdrs", "IPv6 extension headers. E1: Hop-by-Hop + Destination Options + "
                  "Segment Routing Header (type 4, Segments Left 0) before the Fragment header, UDP "
                  "after. E2: Hop-by-Hop (Router Alert) before the Fragment header and a Destination "
                  "Options header inside the fragmentable part. E3: Destination Options + Fragment, "
                  "ICMPv6 echo. E4: Fragment header directly after the IPv6 header. The reassembled "
                  "packet keeps the headers before the Fragment header, drops the Fragment header and "
                  "patches the preceding Next Header. Also an unfragmented packet with Hop-by-Hop.")
    rng = random.Random(103)
    s, d = a6("2001:db8:10::1"), a6("2001:db8:20::2")
    hbh = ext_opts(P_HOPOPT)
    hbh_ra = ext_opts(P_HOPOPT, bytes([5, 2, 0, 0]))
    dst_opts = ext_opts(P_DSTOPTS, bytes([0x1E, 2, 0xAB, 0xCD]))  # 0x1E: experimental (RFC 4727)
    E1 = Dgram6(s, d, 0x00010001, [hbh, dst_opts, ext_srh(d)], P_UDP,
                udp(s, d, 40001, 40000, payload(rng, 1400)), [504, 504])
    inner_nh, inner = chain([ext_opts(P_DSTOPTS)], P_UDP)
    E2 = Dgram6(s, d, 0x00010002, [hbh_ra], inner_nh,
                inner + udp(s, d, 40001, 40000, payload(rng, 1000)), [600])
    E3 = Dgram6(s, d, 0x00010003, [ext_opts(P_DSTOPTS)], P_ICMPV6,
                icmp6_echo(s, d, 0x99, 1, payload(rng, 1100)), [376, 376])
    E4 = Dgram6(d, s, 0x00010004, [], P_UDP, udp(d, s, 40001, 40000, payload(rng, 800)), [400])
    L = eth(ETH_IPV6)
    cap.frag(E1, 1, L)
    cap.frag(E2, 1, L)
    cap.frag(E1, 2, L)
    cap.frag(E3, 0, L)
    cap.frag(E2, 0, L)
    cap.frag(E3, 1, L)
    cap.passthru(L + plain6(s, d, udp(s, d, 40001, 40000, payload(rng, 48)), exts=[hbh]),
                 ("ipv6", "not_fragmented"))
    cap.frag(E4, 1, L)
    cap.frag(E1, 0, L)
    cap.frag(E3, 2, L)
    cap.frag(E4, 0, L)
    return cap


def simple_mix(cap, rng, link4, link6, v4=True, v6=True, net=0):
    """Two datagrams per family (2-3 fragments, out of order) plus one unfragmented packet each."""
    s4, d4 = a4("192.0.2.%d" % (40 + net)), a4("198.51.100.%d" % (40 + net))
    s6, d6 = a6("2001:db8:%x::1" % (0x40 + net)), a6("2001:db8:%x::2" % (0x40 + net))
    plan = []
    if v4:
        A = Dgram4(s4, d4, P_UDP, 0x4000 + net, udp(s4, d4, 40001, 40000, payload(rng, 1200)),
                   [480, 480])
        B = Dgram4(d4, s4, P_UDP, 0x4100 + net, udp(d4, s4, 40000, 40001, payload(rng, 500)), [256])
        plan += [("f", A, 1, link4), ("f", B, 1, link4), ("f", A, 2, link4)]
    if v6:
        C = Dgram6(s6, d6, 0x60000 + net, [], P_UDP, udp(s6, d6, 40001, 40000, payload(rng, 1300)),
                   [448, 448])
        D = Dgram6(d6, s6, 0x61000 + net, [], P_ICMPV6, icmp6_echo(d6, s6, 7, 1, payload(rng, 300)),
                   [160])
        plan += [("f", C, 2, link6), ("f", D, 0, link6), ("f", C, 0, link6)]
    if v4:
        plan += [("p4", None, None, link4), ("f", B, 0, link4), ("f", A, 0, link4)]
    if v6:
        plan += [("p6", None, None, link6), ("f", C, 1, link6), ("f", D, 1, link6)]
    for kind, dg, i, link in plan:
        if kind == "f":
            cap.frag(dg, i, link)
        elif kind == "p4":
            cap.passthru(link + plain4(s4, d4, udp(s4, d4, 40001, 40000, payload(rng, 100))),
                         ("ipv4", "not_fragmented"))
        else:
            cap.passthru(link + plain6(s6, d6, udp(s6, d6, 40001, 40000, payload(rng, 100))),
                         ("ipv6", "not_fragmented"))
    return cap


def cap_linktypes():
    caps = []
    c = Capture("linux-sll", "Linux cooked capture v1 (linktype 113), IPv4 and IPv6; the 16-byte SLL "
                "header is kept on reassembled packets.", linktype=LT_SLL)
    caps.append(simple_mix(c, random.Random(104), sll(ETH_IPV4), sll(ETH_IPV6), net=1))
    c = Capture("linux-sll2", "Linux cooked capture v2 (linktype 276), IPv4 and IPv6; the 20-byte "
                "SLL2 header is kept on reassembled packets.", linktype=LT_SLL2)
    caps.append(simple_mix(c, random.Random(105), sll2(ETH_IPV4, ifindex=3),
                           sll2(ETH_IPV6, ifindex=3), net=2))
    c = Capture("raw", "LINKTYPE_RAW (101): IPv4 and IPv6 mixed, the version taken from the first "
                "nibble.", linktype=LT_RAW)
    caps.append(simple_mix(c, random.Random(106), b"", b"", net=3))
    c = Capture("raw-ipv4", "LINKTYPE_IPV4 (228). Besides the usual mix, two datagrams with the "
                "same src, dst and ID but different protocols (UDP and ICMP) are interleaved and "
                "must reassemble separately (the protocol is part of the IPv4 key).",
                linktype=LT_IPV4)
    rng = random.Random(107)
    simple_mix(c, rng, b"", b"", v6=False, net=4)
    s, d = a4("192.0.2.60"), a4("203.0.113.60")
    U = Dgram4(s, d, P_UDP, 0x5555, udp(s, d, 40001, 40000, payload(rng, 900)), [304, 304])
    I = Dgram4(s, d, P_ICMP, 0x5555, icmp4_echo(5, 5, payload(rng, 900)), [304, 304])
    for dg, i in [(U, 0), (I, 0), (I, 2), (U, 2), (U, 1), (I, 1)]:
        c.frag(dg, i, b"")
    caps.append(c)
    c = Capture("raw-ipv6", "LINKTYPE_IPV6 (229): IPv6 only.", linktype=LT_IPV6)
    caps.append(simple_mix(c, random.Random(108), b"", b"", v4=False, net=5))

    c = Capture("null-loopback", "BSD loopback (linktype 0, DLT_NULL): 4-byte address family in "
                "little-endian (the capturing host's) byte order. AF_INET = 2; IPv6 datagrams use "
                "each AF_INET6 value seen in the wild: 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 "
                "(Darwin) and 10 (Linux).", linktype=LT_NULL)
    rng = random.Random(109)
    simple_mix(c, rng, struct.pack("<I", 2), struct.pack("<I", 30), net=6)
    s, d = a6("2001:db8:66::1"), a6("2001:db8:66::2")
    dgs = [(af, Dgram6(s, d, 0x66000 + af, [], P_UDP, udp(s, d, 40001, 40000, payload(rng, 400)),
                       [208])) for af in (24, 28, 10)]
    for i in (1, 0):
        for af, dg in dgs:
            c.frag(dg, i, struct.pack("<I", af))
    caps.append(c)
    c = Capture("loop", "OpenBSD loopback (linktype 108, DLT_LOOP): 4-byte address family in "
                "network byte order (AF_INET 2, AF_INET6 24).", linktype=LT_LOOP)
    caps.append(simple_mix(c, random.Random(110), struct.pack("!I", 2), struct.pack("!I", 24),
                           net=7))
    c = Capture("big-endian-ns", "Classic pcap written big-endian with the nanosecond magic "
                "(a1b23c4d), Ethernet; timestamps are not whole microseconds and must keep their "
                "nanoseconds.", linktype=LT_ETHERNET, nsec=True, big_endian=True)
    caps.append(simple_mix(c, random.Random(111), eth(ETH_IPV4), eth(ETH_IPV6), net=8))
    return caps


def cap_multi_interface():
    itfs = [{"linktype": LT_ETHERNET, "tsresol": None, "name": "eth0"},
            {"linktype": LT_IPV6, "tsresol": 9, "name": "tun6"},
            {"linktype": LT_SLL, "tsresol": 0x94, "name": "any"}]
    cap = Capture("multi-interface", "pcapng with three interfaces: 0 Ethernet (no if_tsresol "
                  "option: default microseconds), 1 raw IPv6 (linktype 229, if_tsresol 9: "
                  "nanoseconds), 2 Linux SLL (linktype 113, if_tsresol 0x94: 2^-20 s; its timestamps "
                  "are multiples of 1/512 s so they are exact in nanoseconds). Fragments of "
                  "different datagrams are interleaved across interfaces; each datagram stays on one "
                  "interface and its output goes to that interface. Some EPBs carry options "
                  "(comment, epb_flags); an Interface Statistics Block ends the file.",
                  fmt="pcapng", interfaces=itfs)
    rng = random.Random(112)
    s4, d4 = a4("192.0.2.90"), a4("198.51.100.90")
    s6, d6 = a6("2001:db8:90::1"), a6("2001:db8:90::2")
    A = Dgram4(s4, d4, P_UDP, 0x9001, udp(s4, d4, 40001, 40000, payload(rng, 1300)), [440, 440])
    B = Dgram6(s6, d6, 0x90000002, [], P_UDP, udp(s6, d6, 40001, 40000, payload(rng, 1300)), [440, 440])
    C = Dgram4(d4, s4, P_UDP, 0x9003, udp(d4, s4, 40001, 40000, payload(rng, 700)), [360])
    D = Dgram6(d6, s6, 0x90000004, [], P_ICMPV6, icmp6_echo(d6, s6, 9, 9, payload(rng, 700)), [360])
    E4, E6 = eth(ETH_IPV4), eth(ETH_IPV6)
    S4, S6 = sll(ETH_IPV4, pkttype=4), sll(ETH_IPV6)
    cap.frag(A, 1, E4, iface=0)
    cap.frag(B, 0, b"", iface=1)
    cap.frag(C, 1, S4, iface=2)
    cap.frag(D, 0, S6, iface=2)
    cap.passthru(E6 + plain6(s6, d6, udp(s6, d6, 40001, 40000, payload(rng, 60))),
                 ("ipv6", "not_fragmented"), iface=0)
    cap.frag(B, 2, b"", iface=1)
    cap.frag(A, 0, E4, iface=0)
    cap.epb_options[len(cap.frames) - 1] = ng_options([(1, b"offset-0 fragment of 0x9001")])
    cap.frag(C, 0, S4, iface=2)
    cap.passthru(plain6(d6, s6, udp(d6, s6, 40001, 40000, payload(rng, 60))),
                 ("ipv6", "not_fragmented"), iface=1)
    cap.frag(D, 1, S6, iface=2)
    cap.frag(B, 1, b"", iface=1)
    cap.epb_options[len(cap.frames) - 1] = ng_options([(2, struct.pack("<I", 1))])  # inbound
    cap.passthru(S4 + plain4(d4, s4, udp(d4, s4, 40001, 40000, payload(rng, 60))),
                 ("ipv4", "not_fragmented"), iface=2)
    cap.frag(A, 2, E4, iface=0)
    return cap


def cap_malformed():
    cap = Capture("malformed", "Malformed frames that are counted as malformed and passed through "
                  "unchanged: IPv4 IHL 4, IPv4 total length larger than the frame, IPv4 fragment "
                  "whose offset*8 + length exceeds 65535, IPv6 header cut short (30 bytes), IPv6 "
                  "payload length larger than the frame (a Fragment header with the same key as a "
                  "datagram being reassembled; it must not disturb it). Good fragmented IPv4 and "
                  "IPv6 datagrams around them still reassemble.")
    rng = random.Random(113)
    s4, d4 = a4("192.0.2.100"), a4("198.51.100.100")
    s6, d6 = a6("2001:db8:100::1"), a6("2001:db8:100::2")
    G4 = Dgram4(s4, d4, P_UDP, 0xAA01, udp(s4, d4, 40001, 40000, payload(rng, 1000)), [336, 336])
    G6 = Dgram6(s6, d6, 0xAA000002, [], P_UDP, udp(s6, d6, 40001, 40000, payload(rng, 1000)), [512])
    L4, L6 = eth(ETH_IPV4), eth(ETH_IPV6)
    cap.frag(G4, 0, L4)
    bad = bytearray(plain4(s4, d4, udp(s4, d4, 40001, 40000, payload(rng, 8))))
    bad[0] = 0x44
    bad[10:12] = b"\x00\x00"
    bad[10:12] = struct.pack("!H", csum(bytes(bad[:20])))
    cap.passthru(L4 + bytes(bad), ("ipv4", "malformed"))
    cap.frag(G6, 1, L6)
    l4 = udp(s4, d4, 40001, 40000, payload(rng, 72))
    cap.passthru(L4 + ipv4_header(s4, d4, P_UDP, 0xAA03, 0, total_length=1000) + l4,
                 ("ipv4", "malformed"))
    cap.frag(G4, 2, L4)
    data = payload(rng, 16)
    cap.passthru(L4 + ipv4_header(s4, d4, P_UDP, 0xAA04, len(data), offset=8191 * 8) + data,
                 ("ipv4", "malformed"))
    cap.passthru(L6 + plain6(s6, d6, udp(s6, d6, 40001, 40000, payload(rng, 24)))[:30],
                 ("ipv6", "malformed"))
    long6 = bytearray(G6.frag(0, 192))
    long6[4:6] = struct.pack("!H", 8 + 600)
    cap.passthru(L6 + bytes(long6), ("ipv6", "malformed"))
    cap.passthru(L4 + plain4(s4, d4, udp(s4, d4, 40001, 40000, payload(rng, 30))),
                 ("ipv4", "not_fragmented"))
    cap.frag(G6, 0, L6)
    cap.frag(G4, 1, L4)
    return cap


def cap_overlap():
    cap = Capture("overlap", "Linux overlap rules (inet_frag_queue_insert). IPv4: O1 exact duplicate "
                  "of a held fragment (ignored, completes); O2 a fragment with different bytes lying "
                  "inside the run [0,800) formed by two in-order fragments, across their boundary "
                  "(duplicate: ignored, original bytes kept, completes); O3 the same fragment when "
                  "[0,400) and [400,800) arrived in reverse order and so form two runs (overlap: "
                  "datagram dropped; its remaining fragments start a new queue that never "
                  "completes); O4 a fragment overlapping the tail (dropped); O8 a clean datagram "
                  "interleaved with them. IPv6: O5 duplicate of the offset-0 fragment (completes); "
                  "O6 partial overlap (dropped, RFC 5722); O7 completes, then a late duplicate "
                  "starts a new queue that expires. Plus an unfragmented IPv4 packet.")
    rng = random.Random(114)
    s4, d4 = a4("203.0.113.5"), a4("198.51.100.5")
    s6, d6 = a6("2001:db8:5::5"), a6("2001:db8:6::6")
    q = [400, 400, 400]          # pieces [0,400) [400,800) [800,1200) [1200,1608)
    mk4 = lambda ident, expect="complete": Dgram4(
        s4, d4, P_UDP, ident, udp(s4, d4, 40001, 40000, payload(rng, 1600)), q, expect=expect)
    mk6 = lambda ident, expect="complete": Dgram6(
        s6, d6, ident, [], P_UDP, udp(s6, d6, 40001, 40000, payload(rng, 1600)), q, expect=expect)
    O1, O2, O3, O4 = mk4(1), mk4(2), mk4(3, "drop"), mk4(4, "drop")
    O5, O6, O7, O8 = mk6(5), mk6(6, "drop"), mk6(7), mk4(8)
    L4, L6 = eth(ETH_IPV4), eth(ETH_IPV6)
    steps = [
        (O1, 0), (O2, 0), (O3, 1), (O8, 3), (O1, 1), (O2, 1), (O3, 0),
        (O1, "dup1"), (O2, "inside"), (O3, "span"), (O4, 0), (O1, 3), (O4, 1), (O8, 1),
        (O2, 2), (O3, 2), (O4, 2), (O1, 2), (O2, 3), (O4, "tail"), (O3, 3), (O8, 0), (O4, 3),
        (O5, 3), (O5, 0), (O6, 0), (O5, "dup0"), (O6, 1), (O7, 0), (O5, 1), (O6, "tail6"),
        (O7, 1), (O5, 2), (O6, 2), (O7, 2), (O6, 3), (O7, 3), (O8, 2), (O7, "late1"),
    ]
    for dg, what in steps:
        L = L4 if dg.family == "ipv4" else L6
        if isinstance(what, int):
            cap.frag(dg, what, L)
        elif what in ("dup1", "late1"):
            cap.frag(dg, 1, L, legit=False)
        elif what == "dup0":
            cap.frag(dg, 0, L, legit=False)
        elif what == "inside":
            cap.frag(dg, None, L, piece=(200, 600), data=b"\xEE" * 400, legit=False)
        elif what == "span":
            cap.frag(dg, None, L, piece=(200, 600), legit=False)
        elif what == "tail":
            cap.frag(dg, None, L, piece=(1000, 1400), legit=False)
        elif what == "tail6":
            cap.frag(dg, None, L, piece=(600, 1000), legit=False)
        if what == 3 and dg is O1:
            cap.passthru(L4 + plain4(s4, d4, udp(s4, d4, 40001, 40000, payload(rng, 20))),
                         ("ipv4", "not_fragmented"))
    return cap


def cap_truncated():
    cap = Capture("truncated", "A file whose last record is cut in the middle of its data (the "
                  "record header promises more bytes than the file holds). The tool reports it and "
                  "exits 2; everything before it is written: a complete IPv4 datagram and an "
                  "unfragmented IPv6 packet. The cut record was the last fragment of an IPv6 "
                  "datagram, which therefore never completes.")
    rng = random.Random(115)
    s4, d4 = a4("192.0.2.200"), a4("203.0.113.200")
    s6, d6 = a6("2001:db8:200::1"), a6("2001:db8:200::2")
    A = Dgram4(s4, d4, P_UDP, 0xC001, udp(s4, d4, 40001, 40000, payload(rng, 700)), [400])
    B = Dgram6(s6, d6, 0xC0000002, [], P_UDP, udp(s6, d6, 40001, 40000, payload(rng, 700)), [400],
               expect="drop")
    L4, L6 = eth(ETH_IPV4), eth(ETH_IPV6)
    cap.frag(A, 1, L4)
    cap.frag(B, 0, L6)
    cap.frag(A, 0, L4)
    cap.passthru(L6 + plain6(s6, d6, udp(s6, d6, 40001, 40000, payload(rng, 50))),
                 ("ipv6", "not_fragmented"))
    cap.frag(B, 1, L6)
    n = len(cap.frames[-1][2])
    cap.truncate_last = n - 100          # keep the 16-byte record header and 100 data bytes
    return cap


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------

def dump_json(path, obj):
    text = json.dumps(obj, indent=1) + "\n"
    with open(path, "w", newline="\n") as fh:
        fh.write(text)


def sidecar(name, description, model, extra=None):
    fmt = model["format"]
    side = {
        "description": description,
        "input_format": fmt,
        "frames": model["frames"],
        "expected": {"ipv4": model["counts"]["ipv4"], "ipv6": model["counts"]["ipv6"]},
        "not_ip": model["counts"]["not_ip"],
        "output_frames": len(model["output"]),
        "output": [{"ts_ns": ts, "interface": iface, "hex": d.hex()}
                   for ts, iface, d in model["output"]],
        "truncated": model["truncated"],
        "exit_code": 2 if model["truncated"] else 0,
        "generator": "generate.py",
    }
    if fmt == "pcap":
        side["link_type"] = model["interfaces"][0][0]
        side["timestamp_precision"] = model["interfaces"][0][1]
    else:
        side["interfaces"] = [{"link_type": lt, "if_tsresol": res} for lt, res in model["interfaces"]]
    if extra:
        side.update(extra)
    return side


def write_hand_built(cap):
    if cap.fmt == "pcap":
        blob = pcap_bytes(cap.frames, cap.linktype, cap.nsec, cap.big_endian)
        ext = ".pcap"
    else:
        blob = pcapng_bytes(cap)
        ext = ".pcapng"
    if cap.truncate_last:
        blob = blob[:-cap.truncate_last]
    model = replay_model(blob)
    # Cross-check the model against the expectation built from the original datagrams.
    exp_frames = len(cap.frames) - (1 if cap.truncate_last else 0)
    assert model["frames"] == exp_frames, (cap.name, model["frames"], exp_frames)
    assert model["truncated"] == bool(cap.truncate_last)
    if model["output"] != cap.expected:
        for i, (a, b) in enumerate(zip(model["output"], cap.expected)):
            if a != b:
                print("%s: first difference at output %d:\n model %s\n built %s"
                      % (cap.name, i, (a[0], a[1], a[2].hex()), (b[0], b[1], b[2].hex())),
                      file=sys.stderr)
                break
        raise SystemExit("%s: model and construction disagree (%d vs %d frames)"
                         % (cap.name, len(model["output"]), len(cap.expected)))
    assert model["counts"] == cap.counts, (cap.name, model["counts"], cap.counts)
    with open(os.path.join(HERE, cap.name + ext), "wb") as fh:
        fh.write(blob)
    dump_json(os.path.join(HERE, cap.name + ".json"), sidecar(cap.name, cap.description, model))
    return cap.name + ext, len(blob), model


SAMPLE_ARGS = ["--datagrams", "50", "--size", "200-3000", "--hosts", "20", "--ipv6-share", "0.3",
               "--shuffle", "16", "--drop-share", "0.08", "--overlap-share", "0.2", "--seed", "1"]
GENFRAG_KEEP = ("generator", "format", "frames", "frame_bytes", "datagrams", "host_pairs_used",
                "unfragmented_datagrams", "fragmented_datagrams", "fragment_frames",
                "dropped_fragments", "incomplete_datagrams", "overlapped_datagrams",
                "expected_reassembled", "expected_reassembled_overlap_discard",
                "expected_reassembled_ip_bytes", "expected_reassembled_l4_bytes", "per_family")


def write_sample():
    path = os.path.join(HERE, "sample.pcap")
    genfrag_summary = None
    if os.path.exists(GENFRAG):
        with tempfile.TemporaryDirectory() as tmp:
            side = os.path.join(tmp, "sample.genfrag.json")
            subprocess.run([sys.executable, GENFRAG, "-o", path, "--json", side, "-q"] + SAMPLE_ARGS,
                           check=True)
            with open(side) as fh:
                g = json.load(fh)
        genfrag_summary = {k: g[k] for k in GENFRAG_KEEP if k in g}
    elif os.path.exists(path):
        print("note: %s not found; keeping the committed sample.pcap" % GENFRAG, file=sys.stderr)
        old = os.path.join(HERE, "sample.json")
        if os.path.exists(old):
            with open(old) as fh:
                genfrag_summary = json.load(fh).get("genfrag")
    else:
        print("warning: neither genfrag.py nor sample.pcap found; skipping sample", file=sys.stderr)
        return None
    with open(path, "rb") as fh:
        blob = fh.read()
    model = replay_model(blob)
    if genfrag_summary:
        # genfrag counts overlapped datagrams as reassembled (tolerant policy) or not at all
        # (discard policy); Linux's run rule lies in between.
        lo = genfrag_summary["expected_reassembled_overlap_discard"]
        hi = genfrag_summary["expected_reassembled"]
        got = model["counts"]["ipv4"]["reassembled"] + model["counts"]["ipv6"]["reassembled"]
        assert lo <= got <= hi, (lo, got, hi)
        assert genfrag_summary["frames"] == model["frames"]
        unf = model["counts"]["ipv4"]["not_fragmented"] + model["counts"]["ipv6"]["not_fragmented"]
        assert unf == genfrag_summary["unfragmented_datagrams"]
    desc = ("Bundled sample from the benchmark generator genfrag.py (arguments in 'genfrag'): "
            "50 UDP datagrams with 200-3000 byte payloads, 30% IPv6, 20 host pairs, Ethernet, MTU "
            "1500, shuffled within a window of 16 packets, 8% of datagrams missing a fragment, "
            "20% given an extra consistent overlapping fragment (a duplicate when it lies inside "
            "one run, fatal to the datagram otherwise). It uses genfrag's private addresses "
            "(10.0.0.0/9, fd00::/8). Expected output computed by generate.py's reference model.")
    extra = {"genfrag": dict(genfrag_summary or {}, arguments=" ".join(SAMPLE_ARGS)),
             "model_events": model["events"]}
    dump_json(os.path.join(HERE, "sample.json"), sidecar("sample", desc, model, extra))
    return "sample.pcap", len(blob), model

# --------------------------------------------------------------------------
# Optional cross-check with tshark (python3 generate.py --verify)
# --------------------------------------------------------------------------

def tshark_rows(path, fields, opts=(), extra=()):
    cmd = ["tshark", "-r", path, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|"]
    cmd += list(extra)
    for o in opts:
        cmd += ["-o", o]
    for f in fields:
        cmd += ["-e", f]
    p = subprocess.run(cmd, capture_output=True, text=True)
    return p.returncode, [line.split("\t") for line in p.stdout.splitlines()]


def verify_capture(fname, tmp):
    """Checks one capture with tshark; returns a list of problems/notes."""
    notes = []
    path = os.path.join(HERE, fname)
    with open(path, "rb") as fh:
        blob = fh.read()
    with open(os.path.join(HERE, fname.rsplit(".", 1)[0] + ".json")) as fh:
        side = json.load(fh)
    fmt, itfs, frames, truncated = read_capture(blob)
    # 1. tshark opens the file and sees every frame (exit status 2 for the cut one).
    rc, rows = tshark_rows(path, ["frame.number", "frame.protocols"])
    if rc != (2 if truncated else 0) or len(rows) != len(frames):
        notes.append("PROBLEM: tshark exit %d, %d frames (expected %d)" % (rc, len(rows), len(frames)))
    inputs = set(d for _, _, d in frames)
    out = [(o["ts_ns"], o["interface"], bytes.fromhex(o["hex"])) for o in side["output"]]
    built = [o for o in out if o[2] not in inputs]
    # 2. Reassembled output frames carry valid IPv4 / UDP / ICMP / ICMPv6 checksums.
    #    Written one interface at a time (as ns pcap) so tshark decodes every link type.
    def lt_of(i):
        return itfs[i][0]

    def norm(d, lt):  # tshark does not know Linux's AF_INET6 (10) on DLT_NULL
        if lt == LT_NULL and d[:4] == struct.pack("<I", 10):
            return struct.pack("<I", 24) + d[4:]
        return d
    for iface in sorted(set(o[1] for o in built)):
        sel = [(ts, 0, norm(d, lt_of(iface))) for ts, i, d in built if i == iface]
        f = os.path.join(tmp, "out.pcap")
        with open(f, "wb") as fh:
            fh.write(pcap_bytes(sel, lt_of(iface), nsec=True))
        _, rows = tshark_rows(f, ["frame.number", "ip.checksum.status", "udp.checksum.status",
                                  "icmp.checksum.status", "icmpv6.checksum.status",
                                  "_ws.malformed", "frame.protocols"],
                              ["ip.check_checksum:TRUE", "udp.check_checksum:TRUE"],
                              ["--disable-heuristic", "rtcp_udp"])
        for r in rows:
            st = [v for x in r[1:5] if x for v in x.split("|")]
            if not st or any(v != "1" for v in st) or r[5] or "fraghdr" in r[6]:
                notes.append("PROBLEM: reassembled output frame fails tshark checks: %s" % r)
    # 3. tshark's own defragmentation of the input, one (interface, VLAN stack) at a time
    #    (tshark's IP reassembly key has neither).
    groups = {}
    for ts, iface, d in frames:
        groups.setdefault((iface, parse_link(lt_of(iface), d)[2]), []).append((ts, 0, d))
    ours = {}
    for ts, iface, d in built:
        ours[(iface, parse_link(lt_of(iface), d)[2], ts)] = d
    theirs = {}
    for (iface, tags), sel in sorted(groups.items()):
        f = os.path.join(tmp, "in.pcap")
        with open(f, "wb") as fh:
            fh.write(pcap_bytes([(ts, 0, norm(d, lt_of(iface))) for ts, _, d in sel],
                                lt_of(iface), nsec=True))
        _, rows = tshark_rows(f, ["frame.time_epoch", "ip.reassembled.data", "ipv6.reassembled.data"],
                              ["ip.defragment:TRUE", "ipv6.defragment:TRUE"])
        for r in rows:
            data = "|".join(x for x in r[1:] if x)
            if data:
                sec, frac = r[0].split(".")
                theirs[(iface, tags, int(sec) * 10**9 + int(frac))] = bytes.fromhex(data.split("|")[-1])
    agree = 0
    for k, d in ours.items():
        if k in theirs and d.endswith(theirs[k]):
            agree += 1
        else:
            notes.append("note: expected reassembly at %d (interface %d) %s" % (
                k[2], k[0], "has other bytes in tshark" if k in theirs else "not reassembled by tshark"))
    for k, d in theirs.items():
        if k not in ours:
            notes.append("note: tshark reassembles %d bytes at %d (interface %d); expected: none"
                         % (len(d), k[2], k[0]))
    notes.insert(0, "%d/%d expected reassemblies match tshark" % (agree, len(ours)))
    return notes


# --------------------------------------------------------------------------
# Attack captures (pcaps/attacks/): expected output per overlap policy
# --------------------------------------------------------------------------

ATTACKS = os.path.join(HERE, "attacks")
POLICIES = ["linux-modern", "first", "last", "bsd", "bsd-right", "linux", "windows", "solaris"]
P_TCP = 6

# Suricata's expected bytes for Novak's pattern (OISF/suricata src/defrag.c, DefragSturgesNovak*Test), one
# letter per 8 bytes; bsd-right follows frag3's rule (spp_frag3.c), which Suricata does not implement.
NOVAK_EXPECTED = {
    "bsd": "AAAJJBCCCLLLMMMFFFGGHHIQ", "linux": "AAAJJBKKKLLLMMMFFFGGPHQQ",
    "windows": "AAAJBBCCCLLLMEEFFFGGHHIQ", "solaris": "AAAJBBCCCLLLMMMFFFGGHHIQ",
    "first": "AAAJBBCCCLDLMEEFFFGGHHIQ", "last": "AJJJJBKKKLLLMMMFNFGOPHQQ",
    "bsd-right": "AJJJBBKKKLLLMMMFFFGGHHQQ",
}
NOVAK = [("A", 0, 24), ("B", 32, 16), ("C", 48, 24), ("D", 80, 8), ("E", 104, 16), ("F", 120, 24),
         ("G", 144, 16), ("H", 160, 16), ("I", 176, 8), ("J", 8, 32), ("K", 48, 24), ("L", 72, 24),
         ("M", 96, 24), ("N", 128, 8), ("O", 152, 8), ("P", 160, 8), ("Q", 176, 16)]


def new_wins(policy, hs, he, ns, ne):
    """Does new fragment [ns, ne) take the bytes it overlaps of the held piece [hs, he)?"""
    return {
        "first": False,
        "last": True,
        "bsd": ns < hs,
        "linux": ns <= hs,
        "windows": ns < hs and ne > he,
        "solaris": ns < hs and ne >= he,
        "bsd-right": (he < ne) if hs < ns else (ne >= he),
    }[policy]


class PolicyQueue:
    def __init__(self):
        self.q = Queue()              # linux-modern runs (queue_insert)
        self.pieces = []              # target policies: [start, end, frame] sorted, disjoint
        self.buf = bytearray(65536 + 64)
        self.held = bytearray(65536 + 64)   # 1 where a byte is held
        self.unfrag = None

    def overlap(self, off, end, data):
        """(first overlapped byte, end of the last, bytes differ) against what is held, or None."""
        idx = [i for i in range(off, end) if self.held[i]]
        if not idx:
            return None
        differ = any(self.buf[i] != data[i - off] for i in idx)
        return idx[0], idx[-1] + 1, differ

    def place(self, policy, off, end, data, frame):
        """Target policies: returns (newly covered bytes, kept bytes)."""
        out, pos, new_cov, kept = [], off, 0, 0

        def take(a, b, newly):
            nonlocal new_cov, kept
            self.buf[a:b] = data[a - off:b - off]
            for i in range(a, b):
                self.held[i] = 1
            kept += b - a
            if newly:
                new_cov += b - a
            out.append([a, b, frame])

        before = [p for p in self.pieces if p[1] <= off]
        touched = [p for p in self.pieces if p[1] > off and p[0] < end]
        after = [p for p in self.pieces if p[0] >= end and p[1] > off]
        for hs, he, hf in touched:
            if pos < hs:
                take(pos, hs, True)
            os_, oe = max(hs, off), min(he, end)
            if new_wins(policy, hs, he, off, end):
                if hs < os_:
                    out.append([hs, os_, hf])
                take(os_, oe, False)
                if oe < he:
                    out.append([oe, he, hf])
            else:
                out.append([hs, he, hf])
            pos = max(pos, oe)
        if pos < end:
            take(pos, end, True)
        merged = []
        for piece in out:
            if merged and merged[-1][2] == piece[2] and merged[-1][1] == piece[0]:
                merged[-1][1] = piece[1]
            else:
                merged.append(piece)
        self.pieces = before + merged + after
        return new_cov, kept


def finish(fam, head, payload):
    if fam == "ipv4":
        tot = len(head) + len(payload)
        if tot > 65535:
            return None
        h = bytearray(head)
        h[2:4] = struct.pack("!H", tot)
        h[6:8] = struct.pack("!H", struct.unpack("!H", h[6:8])[0] & 0xC000)
        h[10:12] = b"\x00\x00"
        h[10:12] = struct.pack("!H", csum(bytes(h)))
        return bytes(h) + payload
    plen = len(head) - 40 + len(payload)
    if plen > 65535:
        return None
    return head[:4] + struct.pack("!H", plen) + head[6:] + payload


def holds_chain(nh, data):
    """RFC 7112 as the engine applies it (Linux's minimums: TCP 20, UDP 8, ICMPv6 8, others 1)."""
    pos = 0
    while nh in (P_ROUTING, P_DSTOPTS):
        if pos + 2 > len(data):
            return False
        nh, pos = data[pos], pos + (data[pos + 1] + 1) * 8
        if pos > len(data):
            return False
    return pos + {P_TCP: 20, P_UDP: 8, P_ICMPV6: 8}.get(nh, 1) <= len(data)


def attack_model(blob, policy):
    """Replays an attack capture under ``policy`` (Ethernet, no VLANs, no IPv4 options, IPv6 without
    extension headers before the Fragment header). Returns (output frames, anomaly counts)."""
    _fmt, itfs, frames, _tr = read_capture(blob)
    queues, out, anomalies = {}, [], {}

    def note(kind):
        anomalies[kind] = anomalies.get(kind, 0) + 1

    for index, (ts, iface, d) in enumerate(frames):
        assert itfs[iface][0] == LT_ETHERNET
        fam, l2, tags = parse_link(LT_ETHERNET, d)
        ip = d[l2:]
        assert fam is not None and not tags
        if fam == "ipv4":
            hl = (ip[0] & 15) * 4
            assert hl == 20
            tot = struct.unpack("!H", ip[2:4])[0]
            fo = struct.unpack("!H", ip[6:8])[0]
            off, last, proto = (fo & 0x1FFF) * 8, not (fo & 0x2000), ip[9]
            if off == 0 and last:
                out.append((ts, iface, d))
                continue
            data, head = ip[hl:tot], ip[:hl]
            key = (fam, ip[12:16], ip[16:20], ip[4:6], proto)
            unfrag = None
            if off + len(data) > 65535:
                note("oversize")
                out.append((ts, iface, d))
                continue
            if (off == 8 and proto == P_TCP) or (off == 0 and not last and len(data) < {P_TCP: 20, P_UDP: 8, P_ICMP: 8}.get(proto, 0)):
                note("tiny-first-fragment")
        else:
            nh, pos, prev = ip[6], 40, 6
            while nh in (P_HOPOPT, P_ROUTING, P_DSTOPTS):
                prev, nh, pos = pos, ip[pos], pos + (ip[pos + 1] + 1) * 8
            assert nh == P_FRAGMENT
            plen = struct.unpack("!H", ip[4:6])[0]
            fnh, _r, fo, ident = struct.unpack("!BBHI", ip[pos:pos + 8])
            off, last = fo & 0xFFF8, not (fo & 1)
            data = ip[pos + 8:40 + plen]
            head = bytearray(ip[:pos])
            head[prev] = fnh
            head = bytes(head)
            key = (fam, ip[8:24], ip[24:40], ident)
            # The unfragmentable part (Next Header byte and headers before the Fragment header) of the first
            # fragment to arrive; later fragments that differ are reported (the result keeps offset 0's).
            unfrag = bytes([ip[6]]) + ip[40:pos]
            if off == 0 and last:
                note("ipv6-atomic-fragment")
                out.append((ts, iface, d))
                continue
            if off + len(data) > 65535:
                note("oversize")
                out.append((ts, iface, d))
                continue
            if off == 0 and not holds_chain(fnh, data):
                note("ipv6-incomplete-header-chain")
                continue
        end = off + len(data)
        if not last and len(data) % 8:
            raise Ambiguous("not a multiple of 8")
        pq = queues.setdefault(key, PolicyQueue())
        q = pq.q
        if unfrag is not None:
            # IPv6: the unfragmentable part (Next Header byte and headers before the Fragment header) of the
            # queue's first-arrived fragment; a later fragment that differs is reported, the result keeps offset 0's.
            if pq.unfrag is None:
                pq.unfrag = unfrag
            elif pq.unfrag != unfrag:
                note("ipv6-header-mismatch")
        if last:
            if end < q.len or (q.last_in and end != q.len):
                note("teardrop" if pq.overlap(off, end, data) else "conflicting-end")
                del queues[key]
                continue
            q.last_in, q.len = True, end
        elif end > q.len:
            if q.last_in:
                raise Ambiguous("past the end")
            q.len = end
        if end == off:
            raise Ambiguous("zero length")
        seen = pq.overlap(off, end, data)
        if policy == "linux-modern":
            res = queue_insert(q, off, end)
            if res == "dup":
                note("overlap" if seen[2] else "duplicate")
                continue
            if res == "overlap":
                note("overlap")
                del queues[key]
                continue
            pq.buf[off:end] = data
            for i in range(off, end):
                pq.held[i] = 1
            q.meat += len(data)
            takes_head = off == 0
        else:
            new_cov, kept = pq.place(policy, off, end, data, index)
            if kept == 0:
                note("overlap" if seen[2] else "duplicate")
            else:
                if seen:
                    note("overlap")
                q.meat += new_cov
            takes_head = kept > 0 and off == 0 and pq.pieces[0][0] == 0 and pq.pieces[0][2] == index
        if takes_head:
            q.first = (d[:l2], iface, head)
        if q.first is not None and q.last_in and q.meat == q.len:
            del queues[key]
            link, iface0, head0 = q.first
            ip_out = finish(fam, head0, bytes(pq.buf[:q.len]))
            if ip_out is None:
                note("oversize")
                continue
            out.append((ts, iface0, link + ip_out))
    for _ in queues:
        note("timeout")
    return out, anomalies


class AttackCapture(Capture):
    """A capture whose expected output is written down per policy, by construction."""

    def __init__(self, name, description, source):
        super().__init__(name, description)
        self.source = source
        self.by_policy = {p: [] for p in POLICIES}   # policy -> [(frame index, iface, expected bytes)]

    def add(self, link, ip):
        self._add(link + ip, 0, None)
        return len(self.frames) - 1

    def expect(self, policies, frame, data):
        """Under each of ``policies``, ``data`` is written when frame ``frame`` arrives."""
        for p in policies:
            self.by_policy[p].append((frame, data))

    def passthru_all(self, link, ip):
        i = self.add(link, ip)
        self.expect(POLICIES, i, link + ip)
        return i


def cap_novak(family):
    fam = "IPv4 (ICMP)" if family == "ipv4" else "IPv6 (ICMPv6)"
    cap = AttackCapture("novak-" + family, "Novak's target-based overlap pattern (Sturges and Novak), as "
                        "Suricata's DefragSturgesNovak tests send it, over %s: nine original fragments A..I "
                        "(0+24 A, 32+16 B, 48+24 C, 80+8 D, 104+16 E, 120+24 F, 144+16 G, 160+16 H, 176+8 I), "
                        "then J..P overlapping them (8+32 J, 48+24 K, 72+24 L, 96+24 M, 128+8 N, 152+8 O, "
                        "160+8 P) and Q (176+16, the last). Each policy rebuilds different bytes; linux-modern "
                        "drops the datagram at J and the rest never completes. The data are raw letters, as in "
                        "Suricata's tests (not a valid ICMP message)." % fam,
                        "OISF/suricata src/defrag.c DefragSturgesNovak*Test (expected bytes); snort spp_frag3.c (bsd-right)")
    if family == "ipv4":
        s, dst = a4("192.0.2.66"), a4("198.51.100.66")
        dg = Dgram4(s, dst, P_ICMP, 0x0066, b"\x00" * 192, [8])
        link = eth(ETH_IPV4)
    else:
        s, dst = a6("2001:db8:66::1"), a6("2001:db8:66::2")
        dg = Dgram6(s, dst, 0x66, [], P_ICMPV6, b"\x00" * 192, [8])
        link = eth(ETH_IPV6)
    for letter, off, n in NOVAK:
        last = cap.add(link, dg.frag(off, off + n, letter.encode() * n))
    for policy, blocks in NOVAK_EXPECTED.items():
        dg.l4 = "".join(c * 8 for c in blocks).encode()
        cap.expect([policy], last, link + dg.reassembled())
    return cap


def cap_teardrop():
    cap = AttackCapture("teardrop", "Teardrop (CVE-1999-0015) and kin: T1, a UDP datagram whose second "
                        "fragment is a last fragment lying inside the first (0+40 then 24+4, MF clear); T2 the "
                        "same inside a three-fragment datagram after its end is known (the later fragment claims a "
                        "shorter end). Both are dropped under every policy, with a teardrop anomaly (frag3's rule: "
                        "an overlapping last fragment that ends before the datagram's end). A clean IPv4 datagram "
                        "T3 around them reassembles under every policy.",
                        "snort spp_frag3.c Frag3Insert (teardrop test)")
    rng = random.Random(201)
    s, d = a4("192.0.2.10"), a4("198.51.100.10")
    link = eth(ETH_IPV4)
    T1 = Dgram4(s, d, P_UDP, 0x7D01, udp(s, d, 40001, 40000, payload(rng, 32)), [32])
    T2 = Dgram4(s, d, P_UDP, 0x7D02, udp(s, d, 40001, 40000, payload(rng, 200)), [64, 64])
    T3 = Dgram4(s, d, P_UDP, 0x7D03, udp(s, d, 40001, 40000, payload(rng, 300)), [160])
    cap.add(link, T3.frag(*T3.pieces[1]))
    cap.add(link, ipv4_header(s, d, P_UDP, 0x7D01, 40, mf=True) + T1.l4)
    cap.add(link, ipv4_header(s, d, P_UDP, 0x7D01, 4, offset=24, mf=False) + T1.l4[24:28])
    cap.add(link, T2.frag(*T2.pieces[0]))
    cap.add(link, T2.frag(*T2.pieces[2]))
    cap.add(link, ipv4_header(s, d, P_UDP, 0x7D02, 16, offset=56, mf=False) + T2.l4[56:72])
    i = cap.add(link, T3.frag(*T3.pieces[0]))
    cap.expect(POLICIES, i, link + T3.reassembled())
    return cap


def cap_tiny():
    cap = AttackCapture("tiny-fragments", "RFC 1858 and RFC 3128 tiny-fragment attacks on TCP. F1: the "
                        "first fragment carries 8 bytes, too short for the TCP header (flags in the second "
                        "fragment, which lies at offset 8 and is reported too); reported, and still reassembled under every policy. F2: the first fragment "
                        "holds the whole TCP header (SYN), then a fragment at offset 8 (FO=1) rewrites bytes "
                        "8..31, flags included (SYN+FIN+PSH), then the rest. linux-modern drops F2 (overlap); "
                        "last and bsd-right take the rewritten header; first, bsd, linux, windows and solaris "
                        "keep the original bytes 8..23 and take 24..31 from the rewriting fragment.",
                        "RFC 1858 section 3.2, RFC 3128 section 2")
    rng = random.Random(202)
    s, d = a4("192.0.2.20"), a4("198.51.100.20")
    link = eth(ETH_IPV4)

    def tcp(flags, body):
        return struct.pack("!HHIIBBHHH", 40001, 80, 1, 0, 5 << 4, flags, 65535, 0, 0) + body

    F1 = Dgram4(s, d, P_TCP, 0x7E01, tcp(0x02, payload(rng, 60)), [8])
    cap.add(link, F1.frag(*F1.pieces[0]))
    i = cap.add(link, F1.frag(*F1.pieces[1]))
    cap.expect(POLICIES, i, link + F1.reassembled())
    original = tcp(0x02, payload(rng, 80))
    rewrite = bytearray(original[8:32])
    rewrite[13 - 8] = 0x0B           # SYN+FIN+PSH where the first fragment said SYN
    rewrite[16:] = payload(rng, 8)   # and different data at 24..31
    F2 = Dgram4(s, d, P_TCP, 0x7E02, original, [24])
    cap.add(link, F2.frag(0, 24))
    cap.add(link, ipv4_header(s, d, P_TCP, 0x7E02, 24, offset=8, mf=True) + bytes(rewrite))
    i = cap.add(link, F2.frag(32, len(original)))
    favour_new = bytes(original[:8]) + bytes(rewrite) + original[32:]
    favour_old = bytes(original[:24]) + bytes(rewrite[16:]) + original[32:]
    for policies, l4 in ((["last", "bsd-right"], favour_new),
                         (["first", "bsd", "linux", "windows", "solaris"], favour_old)):
        F2.l4 = l4
        cap.expect(policies, i, link + F2.reassembled())
    return cap


def cap_oversize():
    cap = AttackCapture("oversize", "Ping of death. P1: an ICMP echo whose last fragment (offset 65528, 16 "
                        "bytes) ends past 65535: that fragment is counted malformed and passed through unchanged "
                        "(oversize anomaly), the first fragment expires at the end. P2: fragments 0..65528 that "
                        "are all there, but the 20-byte header makes the datagram 65548 bytes: dropped at "
                        "completion (oversize). The same under every policy.",
                        "ping of death (CVE-1999-0128); RFC 791 total length")
    rng = random.Random(203)
    s, d = a4("192.0.2.30"), a4("198.51.100.30")
    link = eth(ETH_IPV4)
    P1 = Dgram4(s, d, P_ICMP, 0x7F01, icmp4_echo(0x7F01, 1, payload(rng, 1472)), [])
    cap.add(link, ipv4_header(s, d, P_ICMP, 0x7F01, 1480, mf=True) + P1.l4[:1480])
    cap.passthru_all(link, ipv4_header(s, d, P_ICMP, 0x7F01, 16, offset=65528) + payload(rng, 16))
    big = icmp4_echo(0x7F02, 1, payload(rng, 65528 - 8))
    for off in range(0, 65528, 1480):
        n = min(1480, 65528 - off)
        cap.add(link, ipv4_header(s, d, P_ICMP, 0x7F02, n, offset=off, mf=off + n < 65528) + big[off:off + n])
    return cap


def cap_ipv6_chain():
    cap = AttackCapture("ipv6-header-chain", "IPv6 RFC 7112 and RFC 6946 cases. H1: a TCP datagram whose "
                        "first fragment carries 8 bytes, less than the TCP header: dropped (RFC 7112, as Linux's "
                        "ipv6_frag_rcv), so its second fragment expires. H2: a first fragment whose Destination "
                        "Options header (in the fragmentable part) is cut by the fragment's end: dropped too. H3: "
                        "an atomic fragment (offset 0, M clear) carrying a UDP datagram: passed through at once. "
                        "H4: a clean UDP datagram reassembles. H5: its fragments carry different Destination Options headers "
                        "before the Fragment header: reported (ipv6-header-mismatch), reassembled with the offset-0 "
                        "fragment's. The same under every policy.",
                        "RFC 7112 section 5, RFC 6946 section 4, Linux net/ipv6/reassembly.c")
    rng = random.Random(204)
    s, d = a6("2001:db8:77::1"), a6("2001:db8:77::2")
    link = eth(ETH_IPV6)
    tcp = struct.pack("!HHIIBBHHH", 40001, 80, 1, 0, 5 << 4, 0x02, 65535, 0, 0) + payload(rng, 100)
    H1 = Dgram6(s, d, 0x7701, [], P_TCP, tcp, [8])
    cap.add(link, H1.frag(*H1.pieces[0]))
    cap.add(link, H1.frag(*H1.pieces[1]))
    dst_opts = bytes([P_UDP, 1]) + bytes([1, 12]) + bytes(12)      # 16-byte Destination Options, PadN
    H2 = Dgram6(s, d, 0x7702, [], P_DSTOPTS, dst_opts + udp(s, d, 40001, 40000, payload(rng, 60)), [8])
    cap.add(link, H2.frag(*H2.pieces[0]))
    cap.add(link, H2.frag(*H2.pieces[1]))
    atomic = udp(s, d, 40001, 40000, payload(rng, 40))
    cap.passthru_all(link, ipv6_header(s, d, 8 + len(atomic), P_FRAGMENT) + struct.pack("!BBHI", P_UDP, 0, 0, 0x7703) + atomic)
    H4 = Dgram6(s, d, 0x7704, [], P_UDP, udp(s, d, 40001, 40000, payload(rng, 300)), [160])
    cap.add(link, H4.frag(*H4.pieces[1]))
    i = cap.add(link, H4.frag(*H4.pieces[0]))
    cap.expect(POLICIES, i, link + H4.reassembled())
    # H5: the offset-0 fragment carries a Destination Options header before its Fragment header, the later one a
    # different (longer) one: reported, and the result keeps the offset-0 fragment's header.
    H5 = Dgram6(s, d, 0x7705, [ext_opts(P_DSTOPTS)], P_UDP, udp(s, d, 40001, 40000, payload(rng, 200)), [128])
    cap.add(link, H5.frag(*H5.pieces[0]))
    H5.exts = [ext_opts(P_DSTOPTS, bytes([0x1E, 4, 0, 0, 0, 0]))]
    late = H5.frag(*H5.pieces[1])
    H5.exts = [ext_opts(P_DSTOPTS)]
    i = cap.add(link, late)
    cap.expect(POLICIES, i, link + H5.reassembled())
    return cap


def write_attack(cap):
    blob = pcap_bytes(cap.frames, cap.linktype)
    side = {"description": cap.description, "source": cap.source, "input_format": "pcap",
            "frames": len(cap.frames), "generator": "generate.py", "policies": {}}
    for policy in POLICIES:
        out, anomalies = attack_model(blob, policy)
        built = sorted(cap.by_policy[policy], key=lambda e: e[0])
        expected = [(cap.frames[f][0], 0, data) for f, data in built]
        # Only frames that come out: passed-through and reassembled ones, in input order.
        if out != expected:
            raise SystemExit("%s/%s: model and construction disagree (%d vs %d frames)"
                             % (cap.name, policy, len(out), len(expected)))
        side["policies"][policy] = {
            "output": [{"ts_ns": ts, "interface": iface, "hex": d.hex()} for ts, iface, d in out],
            "anomalies": dict(sorted(anomalies.items())),
        }
    os.makedirs(ATTACKS, exist_ok=True)
    with open(os.path.join(ATTACKS, cap.name + ".pcap"), "wb") as fh:
        fh.write(blob)
    dump_json(os.path.join(ATTACKS, cap.name + ".json"), side)
    return cap.name, len(blob), side


def verify_all(names):
    with tempfile.TemporaryDirectory() as tmp:
        for fname in names:
            for i, n in enumerate(verify_capture(fname, tmp)):
                print("%-24s %s" % (fname if i == 0 else "", n))


def main():
    caps = [cap_ethernet_vlan(), cap_ipv4_options(), cap_ipv6_exthdrs()] + cap_linktypes() + \
        [cap_multi_interface(), cap_malformed(), cap_overlap(), cap_truncated()]
    results = [write_hand_built(c) for c in caps]
    s = write_sample()
    if s:
        results.append(s)
    for cap in [cap_novak("ipv4"), cap_novak("ipv6"), cap_teardrop(), cap_tiny(), cap_oversize(), cap_ipv6_chain()]:
        name, size, side = write_attack(cap)
        print("attacks/%-15s %7d bytes %3d frames  %s" % (
            name + ".pcap", size, side["frames"],
            " ".join("%s:%d" % (p, len(v["output"])) for p, v in side["policies"].items())))
    for name, size, model in results:
        c = model["counts"]
        print("%-24s %7d bytes %3d frames -> %3d out  v4 %s  v6 %s  not_ip %d%s"
              % (name, size, model["frames"], len(model["output"]),
                 "/".join(str(v) for v in c["ipv4"].values()),
                 "/".join(str(v) for v in c["ipv6"].values()), c["not_ip"],
                 "  TRUNCATED" if model["truncated"] else ""))
    if "--verify" in sys.argv[1:]:
        verify_all([r[0] for r in results])
    return 0


if __name__ == "__main__":
    sys.exit(main())
