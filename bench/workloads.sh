#!/usr/bin/env bash
# bench/workloads.sh - generate the standard genfrag workloads into bench/work/.
set -euo pipefail

usage() {
	cat <<'USAGE'
usage: bench/workloads.sh [-f|--force] [-h|--help] [NAME...]

Generates standard workloads with ../shared/bench/genfrag.py into
bench/work/NAME.pcap (+ sidecar NAME.pcap.json), skipping those already present.
Without NAME: w20k and w200k.

All use --mtu 1500 --ipv6-share 0.3 --shuffle 64 --drop-share 0.02 --seed 1, plus
  w20k       --datagrams 20000   --size 1200-8000 --hosts 10000   (~90 MB frames, ~72k fragments)
  w200k      --datagrams 200000  --size 1200-8000 --hosts 10000   (~0.95 GB, ~717k fragments;
             the dpdk README calls this one "w1")
  w1m-small  --datagrams 1000000 --size 1000-3000 --hosts 100000  (~2.1 GB, ~1.55M fragments; optional)

Files are written under a temporary name and renamed when complete, so an
interrupted run never leaves a half-written workload behind.

Options:
  -f, --force   regenerate even if present
  -h, --help    this text
USAGE
}

# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"

force=0 names=()
while [ $# -gt 0 ]; do
	case $1 in
	-f|--force) force=1 ;;
	-h|--help) usage; exit 0 ;;
	-*) usage >&2; die "unknown option '$1'" ;;
	*) names+=("$1") ;;
	esac
	shift
done
[ ${#names[@]} -gt 0 ] || names=(w20k w200k)

need_shared
gen=$SHARED_DIR/bench/genfrag.py
[ -f "$gen" ] || die "genfrag.py not found at $gen"
command -v python3 >/dev/null 2>&1 || die "python3 not found"
mkdir -p "$WORK_DIR"

common=(--mtu 1500 --ipv6-share 0.3 --shuffle 64 --drop-share 0.02 --seed 1)
for name in "${names[@]}"; do
	case $name in
	w20k)      args=(--datagrams 20000 --size 1200-8000 --hosts 10000) ;;
	w200k)     args=(--datagrams 200000 --size 1200-8000 --hosts 10000) ;;
	w1m-small) args=(--datagrams 1000000 --size 1000-3000 --hosts 100000) ;;
	*) die "unknown workload '$name' (known: w20k w200k w1m-small)" ;;
	esac
	out=$WORK_DIR/$name.pcap
	if [ "$force" = 0 ] && [ -f "$out" ] && [ -f "$out.json" ]; then
		note "$name: present ($out)"
		continue
	fi
	tmp=$WORK_DIR/.$name.tmp.$$.pcap
	note "$name: generating ($(printf '%s ' "${args[@]}" "${common[@]}"))"
	# shellcheck disable=SC2064
	trap "rm -f '$tmp' '$tmp.json'" EXIT
	python3 "$gen" -o "$tmp" --json "$tmp.json" "${args[@]}" "${common[@]}" \
		|| die "genfrag.py failed for $name"
	# The sidecar records the temporary path; point it at the final name.
	python3 - "$tmp.json" "$out" <<'PY'
import json, sys
p, final = sys.argv[1], sys.argv[2]
d = json.load(open(p)); d["pcap"] = final
d.get("args", {}).update(output=final, json=final + ".json")
with open(p, "w") as f:
    json.dump(d, f, indent=2); f.write("\n")
PY
	mv -f "$tmp" "$out"
	mv -f "$tmp.json" "$out.json"
	trap - EXIT
	note "$name: wrote $out ($(du -h "$out" | cut -f1)) and $out.json"
done
