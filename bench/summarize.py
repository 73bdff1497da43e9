#!/usr/bin/env python3
"""summarize.py - summarize bench/engine.sh, bench/e2e.sh, bench/threads.sh and bench/dictionary.sh runs.

    python3 bench/summarize.py engine  --dir RUNDIR [--sidecar W.pcap.json] [--skip N] [--json OUT]
    python3 bench/summarize.py e2e     --dir RUNDIR [--sidecar W.pcap.json] [--skip N] [--json OUT]
    python3 bench/summarize.py threads --dir RUNDIR [--threads N] [--skip N] [--json OUT]
    python3 bench/summarize.py dictionary --dir RUNDIR --thread-list 1,2 [--skip N] [--json OUT]

RUNDIR holds, per implementation IMPL (the file names are the implementation
labels), in run order:

  engine:  IMPL.jsonl  one line per run: the LAST JSON object line that run
                       printed on stdout (lines that are not JSON are ignored)
           IMPL.rss    one peak-RSS figure in KiB per line (GNU time %M)
  e2e:     IMPL.tsv    one line per run: "wall_seconds peak_rss_kib user_s sys_s exit_status"
                       (wall from a ns clock around the run; the rest from GNU time)
           IMPL.stats  (optional) one path per line: the --stats JSON of that run
  threads: ROW.jsonl   bench rows (bench-t1, bench-apart.copyC, bench-tN), as engine's
           ROW.txt     replay rows (replay-t1, replay-tN): wall seconds per run ("null" failed)
           ROW.R.stats.json  each replay's --stats; replay-outputs.txt "identical"/"different" per round
  dictionary: KIND-tN.jsonl  bench runs of KIND (table, dictionary) with N workers, as engine's
           KIND-tN.alloc  bytes allocated per frame by each run's timed passes ("null": not printed)

The first --skip N runs of every implementation (warm-ups) are dropped.

engine: the engine's own timed section, frames already in memory.
  * ours ("reassembly" label):  {"frames","fragments","reassembled","seconds",
    "fragments_per_second"}; seconds = median pass of that run.
  * DPDK ipfrag_bench / memcpy_floor: {"impl", ..., "reassemble_seconds", ...}
    (see shared/bench/dpdk/README.md).
  fragments/s = fragments / median(seconds over runs).  The runs were
  interleaved round-robin, so the per-round ratios (ours_i / ref_i) are also
  given; their median is less sensitive to noise that hits one round.

e2e: wall time of whole processes.  fragments/s = sidecar fragment_frames /
  wall, MB/s = pcap file size (10^6 B) / wall.  The reassembly --stats JSON
  ({"ipv4": {"ReasmOKs": n, ...}, "ipv6": {...}}) is checked against the
  sidecar's per_family reassembled counts.

threads: per-round ratios t1 / tN, and the ceiling N x t1 / apart (N
  processes of one thread at once, the slowest of them per round): what N
  threads could reach on the machine at that moment, with nothing shared.

dictionary: per N, per-round ratios dictionary / table (above 1: the table is
  faster), allocation per frame, and whether both reassembled the same counts.

Prints a markdown report on stdout (and a JSON summary to --json OUT).
"""
import argparse
import json
import math
import os
import statistics
import sys

OURS = "reassembly"


def mmm(xs):
    xs = [x for x in xs if x is not None and not (isinstance(x, float) and math.isnan(x))]
    if not xs:
        return None
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs)}


def last_json_object(text):
    """The last line of text that parses as a JSON object, else None."""
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{") and line.endswith("}"):
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if isinstance(obj, dict):
                return obj
    return None


def read_jsonl(path):
    runs = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            if line == "null":          # a run that printed no JSON (engine.sh writes "null")
                runs.append(None)
                continue
            try:
                runs.append(json.loads(line))
            except ValueError:
                runs.append(None)
    return runs


def read_numbers(path):
    if not os.path.exists(path):
        return []
    out = []
    with open(path) as f:
        for line in f:
            t = line.strip().split()
            # GNU time writes "Command exited with non-zero status N" first when the
            # program fails; keep only lines that start with a number.
            if t and t[0].replace(".", "", 1).isdigit():
                out.append(float(t[0]))
    return out


def order_impls(names):
    pref = [OURS, "dpdk-copy", "dpdk-prebuilt", "memcpy-floor", "tshark-read", "tshark-defrag"]
    return [n for n in pref if n in names] + sorted(n for n in names if n not in pref)


def fmt(x, spec=".2f", none="-"):
    return none if x is None else format(x, spec)


# ---------------------------------------------------------------- engine
def run_seconds(r):
    if r is None:
        return None
    if "reassemble_seconds" in r:
        return r["reassemble_seconds"]
    if "seconds" in r:
        return r["seconds"]
    if r.get("fragments_per_second"):
        return r["fragments"] / r["fragments_per_second"]
    return None


def engine(a, sc):
    impls = order_impls([f[:-6] for f in os.listdir(a.dir) if f.endswith(".jsonl")])
    if not impls:
        sys.exit("summarize.py: no *.jsonl files in %s" % a.dir)
    res = {}
    frag_bytes = None
    for impl in impls:
        runs = read_jsonl(os.path.join(a.dir, impl + ".jsonl"))[a.skip:]
        rss = read_numbers(os.path.join(a.dir, impl + ".rss"))[a.skip:]
        good = [r for r in runs if r is not None and run_seconds(r)]
        e = {"impl": impl, "runs": len(runs), "failed_runs": len(runs) - len(good)}
        secs_by_round = [run_seconds(r) for r in runs]
        e["seconds_by_round"] = secs_by_round
        if good:
            r0 = good[0]
            secs = [run_seconds(r) for r in good]
            fr = r0["fragments"]
            e.update(frames=r0.get("frames"), fragments=fr, reassembled=r0.get("reassembled"),
                     reassembled_ip_bytes=r0.get("reassembled_ip_bytes"),
                     fragment_bytes=r0.get("fragment_bytes"))
            if r0.get("fragment_bytes") and frag_bytes is None:
                frag_bytes = (fr, r0["fragment_bytes"])
            e["seconds"] = mmm(secs)
            fps = [fr / s for s in secs]
            e["fragments_per_s"] = {"median": fr / statistics.median(secs), "min": min(fps),
                                    "max": max(fps), "n": len(fps)}
            if "reassemble_cpu_seconds" in r0:
                e["cpu_seconds"] = mmm([r.get("reassemble_cpu_seconds") for r in good])
            if len({(r.get("fragments"), r.get("reassembled"), r.get("reassembled_ip_bytes"))
                    for r in good}) != 1:
                e["warning"] = "counts differ between runs"
            if sc:
                e["check"] = check_counts(impl, r0, sc)
        e["peak_rss_MiB"] = mmm([k / 1024 for k in rss])
        res[impl] = e
    # GB/s: fragment frame bytes come from the C programs (same pcap, same fragments).
    for e in res.values():
        if e.get("fragments_per_s"):
            fb = e.get("fragment_bytes")
            if not fb and frag_bytes and frag_bytes[0] == e["fragments"]:
                fb = frag_bytes[1]
            if fb:
                e["GB_per_s_median"] = fb / e["seconds"]["median"] / 1e9
    ratios = {}
    if OURS in res and res[OURS].get("fragments_per_s"):
        for ref in res:
            if ref == OURS or not res[ref].get("fragments_per_s"):
                continue
            r = {"ratio_of_medians": res[OURS]["fragments_per_s"]["median"]
                 / res[ref]["fragments_per_s"]["median"]}
            # per round: ours fragments/s over ref fragments/s = ref seconds / ours seconds
            pr = [b / a_ for a_, b in zip(res[OURS]["seconds_by_round"], res[ref]["seconds_by_round"])
                  if a_ and b and res[OURS]["fragments"] == res[ref]["fragments"]]
            if pr:
                r["per_round"] = mmm(pr)
            ratios[ref] = r
    out = {"kind": "engine", "workload": a.workload, "impls": res, "ours_over": ratios}
    if sc:
        out["sidecar"] = sidecar_brief(sc)

    print("### engine: %s (%s runs per implementation, interleaved round-robin)\n"
          % (a.workload or "?", max((e["runs"] for e in res.values()), default=0)))
    if sc:
        print("sidecar: %d frames, %d fragments, %d expected reassembled\n"
              % (sc["frames"], sc["fragment_frames"], sc["expected_reassembled"]))
    print("| impl | median Mfrag/s | min | max | GB/s (median) | median ms | peak RSS MiB (median) | counts vs sidecar |")
    print("|---|---|---|---|---|---|---|---|")
    for impl, e in res.items():
        f = e.get("fragments_per_s")
        print("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            impl,
            fmt(f and f["median"] / 1e6, ".3f"), fmt(f and f["min"] / 1e6, ".3f"),
            fmt(f and f["max"] / 1e6, ".3f"), fmt(e.get("GB_per_s_median"), ".2f"),
            fmt(e.get("seconds") and e["seconds"]["median"] * 1e3, ".2f"),
            fmt(e["peak_rss_MiB"] and e["peak_rss_MiB"]["median"], ".0f"),
            check_text(e)))
    if ratios:
        print()
        print("| ours / ... | ratio of median frag/s | per-round ratio median (min-max) |")
        print("|---|---|---|")
        for ref, r in ratios.items():
            pr = r.get("per_round")
            print("| %s | %.3f | %s |" % (ref, r["ratio_of_medians"],
                  "%.3f (%.3f-%.3f)" % (pr["median"], pr["min"], pr["max"]) if pr else "-"))
    warn(res)
    return out


def check_counts(impl, r, sc):
    c = {"fragments": r.get("fragments"), "expected_fragments": sc["fragment_frames"],
         "reassembled": r.get("reassembled"), "expected_reassembled": sc["expected_reassembled"]}
    c["fragments_ok"] = r.get("fragments") == sc["fragment_frames"]
    if r.get("frames") is not None:
        c["frames_ok"] = r["frames"] == sc["frames"]
    c["reassembled_ok"] = r.get("reassembled") == sc["expected_reassembled"]
    if r.get("reassembled_ip_bytes") is not None:
        c["ip_bytes_ok"] = r["reassembled_ip_bytes"] == sc["expected_reassembled_ip_bytes"]
    return c


def check_text(e):
    c = e.get("check")
    if not c:
        return "no sidecar" if e.get("fragments_per_s") else "FAILED (no result)"
    bad = [k[:-3] for k, v in c.items() if k.endswith("_ok") and not v]
    if not bad:
        t = "exact"
    elif bad == ["reassembled"] or bad == ["reassembled", "ip_bytes"]:
        t = "%d/%d" % (c["reassembled"], c["expected_reassembled"])
        if e["impl"] != "memcpy-floor":   # the floor is expected to fall slightly short
            t = "MISMATCH " + t
    else:
        t = "MISMATCH (%s)" % ", ".join(bad)
    if e.get("failed_runs"):
        t += "; %d failed run(s)" % e["failed_runs"]
    if e.get("warning"):
        t += "; " + e["warning"]
    return t


def warn(res):
    for e in res.values():
        if e.get("failed_runs"):
            print("\nwarning: %s: %d run(s) failed or printed no result" % (e["impl"], e["failed_runs"]),
                  file=sys.stderr)


def sidecar_brief(sc):
    return {k: sc.get(k) for k in ("frames", "fragment_frames", "expected_reassembled",
                                   "expected_reassembled_ip_bytes", "pcap_file_bytes")}


# ---------------------------------------------------------------- e2e
def e2e(a, sc):
    impls = order_impls([f[:-4] for f in os.listdir(a.dir) if f.endswith(".tsv")])
    if not impls:
        sys.exit("summarize.py: no *.tsv files in %s" % a.dir)
    fragments = sc["fragment_frames"] if sc else None
    fbytes = sc.get("pcap_file_bytes") if sc else None
    if fbytes is None and a.pcap:
        fbytes = os.path.getsize(a.pcap)
    res = {}
    for impl in impls:
        rows = []
        with open(os.path.join(a.dir, impl + ".tsv")) as f:
            for line in f:
                t = line.split()
                if len(t) >= 5:
                    rows.append({"wall": float(t[0]), "rss_kib": float(t[1]) if t[1] != "-" else None,
                                 "user": float(t[2]) if t[2] != "-" else None,
                                 "sys": float(t[3]) if t[3] != "-" else None, "status": int(t[4])})
        rows = rows[a.skip:]
        ok = [r for r in rows if r["status"] == 0]
        e = {"impl": impl, "runs": len(rows), "failed_runs": len(rows) - len(ok),
             "wall_by_round": [r["wall"] if r["status"] == 0 else None for r in rows]}
        if ok:
            walls = [r["wall"] for r in ok]
            e["wall_seconds"] = mmm(walls)
            e["cpu_seconds"] = mmm([r["user"] + r["sys"] for r in ok
                                    if r["user"] is not None and r["sys"] is not None])
            e["peak_rss_MiB"] = mmm([r["rss_kib"] / 1024 for r in ok if r["rss_kib"] is not None])
            mw = statistics.median(walls)
            if fragments:
                e["fragments_per_s"] = {"median": fragments / mw, "min": fragments / max(walls),
                                        "max": fragments / min(walls)}
            if fbytes:
                e["MB_per_s"] = {"median": fbytes / 1e6 / mw, "min": fbytes / 1e6 / max(walls),
                                 "max": fbytes / 1e6 / min(walls)}
        spath = os.path.join(a.dir, impl + ".stats")
        if os.path.exists(spath):
            e["stats_check"] = check_stats(spath, a.skip, sc)
        res[impl] = e

    ratios = {}
    if OURS in res and res[OURS].get("wall_seconds"):
        for ref, e in res.items():
            if ref != OURS and e.get("wall_seconds"):
                r = {"speedup_of_medians": e["wall_seconds"]["median"] / res[OURS]["wall_seconds"]["median"]}
                pr = [b / a_ for a_, b in zip(res[OURS]["wall_by_round"], e["wall_by_round"]) if a_ and b]
                if pr:
                    r["per_round"] = mmm(pr)
                ratios[ref] = r
    out = {"kind": "e2e", "workload": a.workload, "impls": res, "ours_speedup_over": ratios}
    if sc:
        out["sidecar"] = sidecar_brief(sc)

    print("### end to end: %s (%s timed runs each, after 1 dropped warm-up; page cache warm)\n"
          % (a.workload or "?", max((e["runs"] for e in res.values()), default=0)))
    if sc:
        print("sidecar: %d fragments, %.1f MB pcap, expected reassembled ipv4 %d, ipv6 %d\n"
              % (sc["fragment_frames"], sc["pcap_file_bytes"] / 1e6,
                 sc["per_family"]["ipv4"]["reassembled"], sc["per_family"]["ipv6"]["reassembled"]))
    print("| impl | median wall s | min | max | Mfrag/s (median) | MB/s (median) | CPU s (median) | peak RSS MiB (median, min-max) | stats vs sidecar |")
    print("|---|---|---|---|---|---|---|---|---|")
    for impl, e in res.items():
        w = e.get("wall_seconds")
        rss = e.get("peak_rss_MiB")
        print("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            impl, fmt(w and w["median"], ".3f"), fmt(w and w["min"], ".3f"), fmt(w and w["max"], ".3f"),
            fmt(e.get("fragments_per_s") and e["fragments_per_s"]["median"] / 1e6, ".3f"),
            fmt(e.get("MB_per_s") and e["MB_per_s"]["median"], ".0f"),
            fmt(e.get("cpu_seconds") and e["cpu_seconds"]["median"], ".3f"),
            "%.0f (%.0f-%.0f)" % (rss["median"], rss["min"], rss["max"]) if rss else "-",
            stats_text(e)))
    if ratios:
        print()
        print("| ours vs ... | wall-time speedup (median/median) | per-round median (min-max) |")
        print("|---|---|---|")
        for ref, r in ratios.items():
            pr = r.get("per_round")
            print("| %s | %.2fx | %s |" % (ref, r["speedup_of_medians"],
                  "%.2fx (%.2f-%.2f)" % (pr["median"], pr["min"], pr["max"]) if pr else "-"))
    warn(res)
    return out


def check_stats(spath, skip, sc):
    with open(spath) as f:
        paths = [l.strip() for l in f if l.strip()][skip:]
    c = {"files": len(paths), "bad": [], "ok": 0}
    for p in paths:
        try:
            st = json.load(open(p))
        except (OSError, ValueError) as ex:
            c["bad"].append("%s: unreadable (%s)" % (os.path.basename(p), ex))
            continue
        missing = [fam for fam in ("ipv4", "ipv6")
                   if not isinstance(st.get(fam), dict) or "ReasmOKs" not in st[fam]]
        if missing:
            c["bad"].append("%s: no %s.ReasmOKs (top-level keys: %s; %s keys: %s)" % (
                os.path.basename(p), "/".join(missing), sorted(st)[:6], missing[0],
                sorted(st.get(missing[0]) or {})[:6] if isinstance(st.get(missing[0]), dict) else "-"))
            continue
        got = {fam: st[fam]["ReasmOKs"] for fam in ("ipv4", "ipv6")}
        c["got"] = got
        if sc:
            exp = {fam: sc["per_family"][fam]["reassembled"] for fam in ("ipv4", "ipv6")}
            c["expected"] = exp
            if got != exp:
                c["bad"].append("%s: ReasmOKs %s, sidecar %s" % (os.path.basename(p), got, exp))
                continue
        c["ok"] += 1
        c["last"] = st
    return c


def stats_text(e):
    c = e.get("stats_check")
    if c is None:
        return "n/a"
    if not c["files"]:
        return "no stats files"
    if c["bad"]:
        return "MISMATCH: " + "; ".join(c["bad"][:2])
    if "expected" not in c:
        return "%s (no sidecar)" % c.get("got")
    return "exact (v4 %d, v6 %d; %d runs)" % (c["got"]["ipv4"], c["got"]["ipv6"], c["ok"])


# ---------------------------------------------------------------- threads
def read_lines(path):
    """One value per line: a float, or None for a failed run ("null")."""
    if not os.path.exists(path):
        return []
    out = []
    with open(path) as f:
        for line in f:
            t = line.strip()
            if t:
                try:
                    out.append(float(t))
                except ValueError:
                    out.append(None)
    return out


def ratios(num, den):
    return [a / b if a is not None and b else None for a, b in zip(num, den)]


def replay_oks(rundir, row, rounds, skip):
    """Per round, ReasmOKs of both families from the replay's --stats (None when missing)."""
    out = []
    for r in range(skip, rounds):
        path = os.path.join(rundir, "%s.%d.stats.json" % (row, r))
        try:
            st = json.load(open(path))
            out.append(st["ipv4"]["ReasmOKs"] + st["ipv6"]["ReasmOKs"])
        except (OSError, ValueError, KeyError):
            out.append(None)
    return out


def threads(a, sc):
    n = a.threads
    d = a.dir
    tn = "t%d" % n

    def bench_rows(name):
        runs = read_jsonl(os.path.join(d, name + ".jsonl"))[a.skip:]
        return [run_seconds(r) for r in runs], [None if r is None else r.get("reassembled") for r in runs]

    t1, t1_oks = bench_rows("bench-t1")
    tN, tN_oks = bench_rows("bench-" + tn)
    copies = sorted(f[:-6] for f in os.listdir(d) if f.startswith("bench-apart.copy") and f.endswith(".jsonl"))
    per_copy = [bench_rows(c) for c in copies]
    apart = []
    for i in range(len(t1)):
        xs = [c[0][i] if i < len(c[0]) else None for c in per_copy]
        apart.append(None if not xs or any(x is None for x in xs) else max(xs))
    apart_oks = [c[1] for c in per_copy]

    r1 = read_lines(os.path.join(d, "replay-t1.txt"))[a.skip:]
    rN = read_lines(os.path.join(d, "replay-%s.txt" % tn))[a.skip:]
    outputs = []
    if os.path.exists(os.path.join(d, "replay-outputs.txt")):
        outputs = [l.strip() for l in open(os.path.join(d, "replay-outputs.txt")) if l.strip()][a.skip:]
    rounds = len(t1) + a.skip
    oks1 = replay_oks(d, "replay-t1", rounds, a.skip) if r1 else []
    oksN = replay_oks(d, "replay-" + tn, rounds, a.skip) if rN else []

    rows = [("bench-t1", t1), ("bench-apart (slowest of %d copies)" % n, apart), ("bench-" + tn, tN)]
    if r1:
        rows += [("replay-t1", r1), ("replay-" + tn, rN)]
    out = {"workload": a.workload, "threads": n, "rows": {}, "ratios": {}}
    print("### threads: %s (%d rounds, %d threads)" % (a.workload, len(t1), n))
    print()
    print("| row | median s | min | max | failed runs |")
    print("|---|---|---|---|---|")
    failed = 0
    for name, xs in rows:
        m = mmm(xs)
        bad = sum(1 for x in xs if x is None)
        failed += bad
        out["rows"][name] = {"seconds": m, "failed_runs": bad}
        print("| %s | %s | %s | %s | %d |" % (name, fmt(m and m["median"], ".4f"), fmt(m and m["min"], ".4f"),
                                             fmt(m and m["max"], ".4f"), bad))
    print()

    def ratio_line(label, num, den, scale=1.0):
        per = mmm([None if x is None else x * scale for x in ratios(num, den)])
        mn, md = mmm(num), mmm(den)
        of_medians = scale * mn["median"] / md["median"] if mn and md and md["median"] else None
        out["ratios"][label] = {"per_round": per, "of_medians": of_medians}
        print("| %s | %s (%s-%s) | %s |" % (label, fmt(per and per["median"], ".3f"), fmt(per and per["min"], ".2f"),
                                           fmt(per and per["max"], ".2f"), fmt(of_medians, ".3f")))

    print("| speed-up | per-round median (min-max) | ratio of medians |")
    print("|---|---|---|")
    ratio_line("bench: t1 / %s" % tn, t1, tN)
    ratio_line("ceiling: %d x t1 / apart" % n, t1, apart, scale=n)
    if r1:
        ratio_line("replay: t1 / %s" % tn, r1, rN)
    print()

    agree = [x for x in t1_oks + tN_oks + [v for c in apart_oks for v in c] if x is not None]
    counts_equal = len(set(agree)) <= 1
    out["bench_reassembled"] = sorted(set(agree))
    print("bench reassembled counts: %s" % ("all equal (%d)" % agree[0] if agree and counts_equal else
                                           "differ: " + ", ".join(str(x) for x in sorted(set(agree)))))
    if sc:
        print("sidecar expected_reassembled: %d" % sc["expected_reassembled"])
    if r1:
        same = sum(1 for o in outputs if o == "identical")
        out["replay_outputs_identical"] = same
        out["replay_rounds"] = len(outputs)
        print("replay outputs byte-identical (cmp) in %d of %d rounds; ReasmOKs t1 %s, %s %s" % (
            same, len(outputs), sorted(set(x for x in oks1 if x is not None)), tn, sorted(set(x for x in oksN if x is not None))))
    out["failed_runs"] = failed
    return out


def dictionary(a, sc):
    d = a.dir
    out = {"workload": a.workload, "threads": {}}
    print("| threads | table s/pass, median (min-max) | dictionary s/pass | dictionary / table, per-round median (min-max) | bytes/frame table / dictionary | counts |")
    print("|---|---|---|---|---|---|")
    bad = 0
    for n in a.thread_list.split(","):
        runs = {k: read_jsonl(os.path.join(d, "%s-t%s.jsonl" % (k, n)))[a.skip:] for k in ("table", "dictionary")}
        secs = {k: [run_seconds(r) for r in v] for k, v in runs.items()}
        alloc = {k: mmm(read_lines(os.path.join(d, "%s-t%s.alloc" % (k, n)))[a.skip:]) for k in runs}
        counts = sorted(set(r["reassembled"] for v in runs.values() for r in v if r is not None))
        per = ratios(secs["dictionary"], secs["table"])
        m = {k: mmm(v) for k, v in secs.items()}
        pr = mmm(per)
        faster = sum(1 for x in per if x is not None and x > 1)
        failed = sum(1 for v in secs.values() for x in v if x is None)
        bad += failed + (len(counts) != 1) + (pr is None)
        out["threads"][n] = {"seconds": m, "per_round": pr, "table_faster_rounds": faster,
                             "bytes_per_frame": alloc, "reassembled": counts, "failed_runs": failed}

        def col(x):
            return "-" if x is None else "%.4f (%.4f-%.4f)" % (x["median"], x["min"], x["max"])
        agree = "agree" if len(counts) == 1 else "DIFFER: " + ", ".join(str(c) for c in counts)
        print("| %s | %s | %s | **%s** (%s-%s; table faster in %d of %d) | %s / %s | %s |" % (
            n, col(m["table"]), col(m["dictionary"]), fmt(pr and pr["median"], ".3f"), fmt(pr and pr["min"], ".3f"),
            fmt(pr and pr["max"], ".3f"), faster, sum(1 for x in per if x is not None),
            fmt(alloc["table"] and alloc["table"]["median"]), fmt(alloc["dictionary"] and alloc["dictionary"]["median"]),
            agree))
    out["failed"] = bad
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("kind", choices=["engine", "e2e", "threads", "dictionary", "lastjson"])
    ap.add_argument("--dir", help="run directory written by engine.sh / e2e.sh / threads.sh")
    ap.add_argument("--sidecar", help="genfrag sidecar (W.pcap.json)")
    ap.add_argument("--pcap", help="the workload pcap (for MB/s when there is no sidecar)")
    ap.add_argument("--workload", default="", help="label for the report")
    ap.add_argument("--skip", type=int, default=0, help="drop the first N runs of each implementation")
    ap.add_argument("--json", help="also write the summary as JSON here")
    ap.add_argument("--threads", type=int, default=2, help="threads of the many-thread rows (threads)")
    ap.add_argument("--thread-list", default="1,2", help="comma-separated worker counts (dictionary)")
    a = ap.parse_args()
    if a.kind == "lastjson":
        # helper for the shell scripts: stdin -> the last JSON object line (or "null")
        obj = last_json_object(sys.stdin.read())
        print("null" if obj is None else json.dumps(obj))
        return
    if not a.dir:
        ap.error("--dir is required")
    sc = json.load(open(a.sidecar)) if a.sidecar else None
    out = {"engine": engine, "e2e": e2e, "threads": threads, "dictionary": dictionary}[a.kind](a, sc)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=2)
            f.write("\n")
    if a.kind == "dictionary" and out["failed"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
