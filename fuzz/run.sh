#!/usr/bin/env bash
# fuzz/run.sh SECONDS - fuzz frame parsing, reassembly and the pcap/pcapng reader with SharpFuzz + AFL++ for a
# bounded time. Not part of ./test.sh. Installs afl++ (apt, as root) and the sharpfuzz tool (into fuzz/.tools) if
# missing, publishes fuzz/Reassembly.Fuzz into fuzz/out/bin, instruments Reassembly.dll and Reassembly.Capture.dll,
# seeds the corpus from pcaps/ (plus a few frame-mode inputs), runs afl-fuzz for SECONDS, and prints the executions
# done and every crash or hang found (under fuzz/out/findings). Copy a finding into fuzz/regressions/ to make it a
# regression test (tests/Host.Tests FuzzRegressionTests replays that folder through the same target).
#
# Reproduce one input without AFL: dotnet fuzz/out/bin/Reassembly.Fuzz.dll FILE...
set -euo pipefail

seconds=${1:-600}
case $seconds in ''|*[!0-9]*) echo "usage: fuzz/run.sh SECONDS" >&2; exit 1 ;; esac

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
out=$here/out
tools=$here/.tools

if ! command -v afl-fuzz >/dev/null; then
	if [ "$(id -u)" = 0 ]; then
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq afl++ >/dev/null
	else
		echo "fuzz/run.sh: afl-fuzz is missing (apt-get install afl++ as root)" >&2
		exit 1
	fi
fi

if [ ! -x "$tools/sharpfuzz" ]; then
	dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$tools" >/dev/null
fi

rm -rf "$out/bin"
dotnet publish "$here/Reassembly.Fuzz/Reassembly.Fuzz.csproj" -c Release -o "$out/bin" -v quiet -nologo >/dev/null
for dll in Reassembly.dll Reassembly.Capture.dll; do
	"$tools/sharpfuzz" "$out/bin/$dll" >/dev/null
done

corpus=$out/corpus
rm -rf "$corpus"
mkdir -p "$corpus"
for capture in "$repo"/pcaps/*.pcap "$repo"/pcaps/*.pcapng "$repo"/pcaps/attacks/*.pcap; do
	# AFL wants small seeds: the larger captures only slow every execution down.
	[ "$(stat -c %s "$capture")" -le 20000 ] && cp "$capture" "$corpus/"
done
python3 "$here/seeds.py" "$corpus"
cp "$here"/regressions/* "$corpus/" 2>/dev/null || true

findings=$out/findings
rm -rf "$findings"
echo "fuzz/run.sh: fuzzing for $seconds s with $(ls "$corpus" | wc -l) seeds" >&2
# AFL_SKIP_BIN_CHECK: the target is `dotnet`, not an AFL-instrumented binary (SharpFuzz instruments the IL).
AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
	afl-fuzz -i "$corpus" -o "$findings" -t 5000 -m none -V "$seconds" -- dotnet "$out/bin/Reassembly.Fuzz.dll" >"$out/afl.log" 2>&1 || {
	echo "fuzz/run.sh: afl-fuzz failed; the end of $out/afl.log:" >&2
	tail -20 "$out/afl.log" >&2
	exit 1
}

stats=$findings/default/fuzzer_stats
crashes=$(find "$findings/default/crashes" -type f -name 'id:*' 2>/dev/null | wc -l)
hangs=$(find "$findings/default/hangs" -type f -name 'id:*' 2>/dev/null | wc -l)
echo "execs_done $(awk '/^execs_done/ {print $3}' "$stats")"
echo "execs_per_sec $(awk '/^execs_per_sec/ {print $3}' "$stats")"
echo "corpus_count $(awk '/^corpus_count/ {print $3}' "$stats")"
echo "crashes $crashes"
echo "hangs $hangs"
find "$findings/default/crashes" "$findings/default/hangs" -type f -name 'id:*' 2>/dev/null || true
