#!/usr/bin/env bash
# test.sh - the whole test suite, from a fresh machine: installs what the tests need, then runs every test project.
#
#   ./test.sh [extra dotnet test arguments]
#
# Needs: the .NET SDK named in global.json. Installs (Debian/Ubuntu, as root, only when missing): tshark (the output
# must open in Wireshark's engine), python3 (../shared/bench/genfrag.py generates the end-to-end workloads), and for
# the daemon's veth test iproute2 (`ip netns`) and libpcap0.8 (SharpPcap's libpcap). The veth test needs root (or
# CAP_NET_ADMIN + CAP_NET_RAW) and fails, saying so, without it.
# The command-line tests (tests/Host.Tests) run twice: against the JIT build, then against the native release binary
# (bench/publish.sh; Native AOT links with clang, installed with apt when missing).
# The last line is the test count over both runs: "tests: N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")"

need=()
command -v tshark >/dev/null 2>&1 || need+=(tshark)
command -v python3 >/dev/null 2>&1 || need+=(python3)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
{ ldconfig -p 2>/dev/null | grep -q 'libpcap\.so\.0\.8'; } || need+=(libpcap0.8)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        echo "test.sh: please install ${need[*]} (the tests run tshark, python3, ip netns and libpcap)" >&2
        exit 2
    fi
    echo "test.sh: installing ${need[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ ! -f ../shared/bench/genfrag.py ]; then
    echo "test.sh: ../shared/bench/genfrag.py is missing (the end-to-end tests generate their workloads with it)" >&2
    exit 2
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test Reassembly.sln -c Release --nologo "$@" 2>&1 | tee "$log" || status=$?

# The command-line tests once more, against the native release binary (compiled ahead of time) that bench/engine.sh
# and bench/e2e.sh measure: bench/publish.sh builds it when it is stale, installing clang if none is on the PATH.
# Each test then starts that binary instead of `dotnet Reassembly.Host.dll`, so what is measured is also what is tested.
if native=$(bench/publish.sh); then
    echo "test.sh: the command-line tests again, against the native binary $native" >&2
    REASSEMBLY_TEST_HOST=$native dotnet test tests/Host.Tests -c Release --no-build --nologo "$@" 2>&1 | tee -a "$log" \
        || status=$?
else
    echo "test.sh: could not publish the native binary (bench/publish.sh failed); its tests did not run" >&2
    status=1
fi

# dotnet test prints one "Passed!/Failed! - Failed: F, Passed: P, Skipped: S, Total: T" line per test assembly.
python3 - "$log" <<'PY'
import re, sys
passed = failed = skipped = 0
for line in open(sys.argv[1], errors="replace"):
    m = re.search(r"Failed:\s*(\d+), Passed:\s*(\d+), Skipped:\s*(\d+), Total:\s*(\d+)", line)
    if m:
        failed += int(m.group(1)); passed += int(m.group(2)); skipped += int(m.group(3))
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
