#!/usr/bin/env bash
# -----------------------------------------------------------------------------
# What mapping owners to a user namespace's host ids costs while unpacking a
# bundle (issue 14): the Debian PHP fixture unpacked with the image's owners and
# with mapped owners, interleaved, in one JVM. Not part of CI.
#
# Usage: bench/unpack.sh [--rounds N]   (default 5)
# Environment: DISTILL_FIXTURE_CACHE, BENCH_JAVA_OPTS. Needs root (chown).
# -----------------------------------------------------------------------------
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rounds=5
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "bench/unpack.sh sets owners: run it as root" >&2; exit 1; }
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"
cp=$(bench_classpath "$repo")
work=$(mktemp -d "${TMPDIR:-/tmp}/distill-unpack-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "[bench] machine: $(nproc) cores, $(free -m | awk '/^Mem:/ {print $2}') MiB memory, $(java -version 2>&1 | head -1)" >&2
# shellcheck disable=SC2086 # options split as given
java ${BENCH_JAVA_OPTS:-} -Ddistill.repo.root="$repo" -cp "$cp" dev.distill.engine.bench.UnpackBenchmark "$work" "$rounds"
