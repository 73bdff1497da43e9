#!/usr/bin/env bash
# bench/attacks.sh - replay each attack workload of bench/attacks/attackgen.py and the benign w200k genfrag
# workload with the Release build: frames/s and peak RSS.
set -euo pipefail

usage() {
	cat <<'USAGE'
usage: bench/attacks.sh [--benign PCAP] [--no-build] [-h|--help]

Generates (once, into bench/work/attacks/) and replays with the Release `reassembly replay` (no -o: reader,
engine and statistics), under /usr/bin/time -v, with the default memory limits (4 MiB per namespace, 64 MiB global,
evict):
  flood-1m   flood --count 1000000       1M single never-completing fragments, random sources and IDs
  flood-2m   flood --count 2000000       the same, twice as long (peak RSS must not grow with the input)
  smack      smack --datagrams 200 --per-datagram 4000   FragmentSmack: tiny overlapping fragments, random order
  reverse    reverse --datagrams 100     8189-fragment datagrams, last fragment first
  collide    collide --count 1000000     keys colliding under an unkeyed (old Linux) hash
  mixed      mixed --count 1000000       single-source flood with benign datagrams from 50 other sources
  benign     w200k (bench/workloads.sh), or --benign PCAP

Prints one line per workload: frames, seconds (wall), frames/s, peak RSS (MiB), the engine's memory peak (MiB),
Evicted, ReasmOKs; and the ratio of each attack's frames/s to the benign one's. Output also in
bench/work/attacks/results.txt.
USAGE
}

# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"

benign=w200k nobuild=0
while [ $# -gt 0 ]; do
	case $1 in
	--benign) benign=$2; shift ;;
	--no-build) nobuild=1 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; die "unknown argument '$1'" ;;
	esac
	shift
done

mkdir -p "$WORK_DIR/attacks"
ensure_time
ensure_reassembly "$nobuild"
resolve_workload "$benign"
benign_pcap=$WL_PCAP


# name mode args...: the generator's mode comes first, the output last.
gen_mode() {
	local name=$1 mode=$2; shift 2
	local pcap=$WORK_DIR/attacks/$name.pcap
	[ -f "$pcap" ] && [ -f "$pcap.json" ] || python3 "$BENCH_DIR/attacks/attackgen.py" "$mode" "$pcap" "$@" >/dev/null
}

gen_mode flood-1m flood --count 1000000
gen_mode flood-2m flood --count 2000000
gen_mode smack smack --datagrams 200 --per-datagram 4000
gen_mode reverse reverse --datagrams 100
gen_mode collide collide --count 1000000
gen_mode mixed mixed --count 1000000

results=$WORK_DIR/attacks/results.txt
: >"$results"
printf '%-10s %10s %8s %12s %9s %9s %9s %9s\n' workload frames seconds frames/s rss_MiB mem_MiB Evicted ReasmOKs | tee -a "$results"
benign_rate=
for name in benign flood-1m flood-2m smack reverse collide mixed; do
	if [ "$name" = benign ]; then pcap=$benign_pcap; else pcap=$WORK_DIR/attacks/$name.pcap; fi
	stats=$WORK_DIR/attacks/$name.stats.json
	start=$(now_ns)
	/usr/bin/time -v -o "$WORK_DIR/attacks/$name.time" "$REASSEMBLY_BIN" replay "$pcap" --stats "$stats" -q
	end=$(now_ns)
	rss_kib=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$WORK_DIR/attacks/$name.time")
	line=$(python3 - "$stats" "$start" "$end" "$rss_kib" "$name" "${benign_rate:-0}" <<'PY'
import json, sys
stats, start, end, rss, name, benign = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], float(sys.argv[6])
s = json.load(open(stats))
frames = s["capture"]["Frames"]
seconds = (end - start) / 1e9
rate = frames / seconds
evicted = s["ipv4"]["Evicted"] + s["ipv6"]["Evicted"]
oks = s["ipv4"]["ReasmOKs"] + s["ipv6"]["ReasmOKs"]
ratio = f"  {rate / benign:.2f}x benign" if benign > 0 else ""
print(f"{name:<10} {frames:>10} {seconds:>8.2f} {rate:>12.0f} {rss / 1024:>9.1f} {s['memory']['PeakBytes'] / 2**20:>9.2f} {evicted:>9} {oks:>9}{ratio}|{rate:.0f}")
PY
)
	printf '%s\n' "${line%|*}" | tee -a "$results"
	[ "$name" = benign ] && benign_rate=${line##*|}
done
note "results in $results"
