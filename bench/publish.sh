#!/usr/bin/env bash
# bench/publish.sh - build the release binary (when stale) and print its path.
set -euo pipefail

usage() {
	cat <<'USAGE'
usage: bench/publish.sh [-h|--help]

Publishes the native release binary of the command line, compiled ahead of
time, the one that engine.sh and e2e.sh measure and that test.sh runs the
command-line tests against a second time:

  dotnet publish src/Host -c Release -r linux-<arch> -p:PublishAot=true -o bench/work/publish

when it is missing or older than any source file (installing clang and
zlib1g-dev with apt-get when missing), then prints the binary's path
(bench/work/publish/Reassembly.Host) on standard output.
Set REASSEMBLY_BIN=/path/to/binary to print that one instead (never built).
USAGE
}

# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"

case ${1:-} in
'') ;;
-h|--help) usage; exit 0 ;;
*) usage >&2; die "unknown argument '$1'" ;;
esac

ensure_reassembly 0
printf '%s\n' "$REASSEMBLY_BIN"
