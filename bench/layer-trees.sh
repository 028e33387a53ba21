#!/usr/bin/env bash
# -----------------------------------------------------------------------------
# Writing layer trees (first use) with one read of each blob against two
# (issue 15 note): the Debian PHP fixture's layers, both ways and the index-only
# read alone, interleaved, in one JVM. Not part of CI.
#
# Usage: bench/layer-trees.sh [--rounds N]   (default 3)
# Environment: DISTILL_FIXTURE_CACHE, BENCH_JAVA_OPTS. Needs root (chown, mknod, setfattr).
# -----------------------------------------------------------------------------
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rounds=3
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "bench/layer-trees.sh sets owners: run it as root" >&2; exit 1; }
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"
cp=$(bench_classpath "$repo")
work=$(mktemp -d "${TMPDIR:-/tmp}/distill-layer-trees-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "[bench] machine: $(nproc) cores, $(free -m | awk '/^Mem:/ {print $2}') MiB memory, $(java -version 2>&1 | head -1)" >&2
# shellcheck disable=SC2086 # options split as given
java ${BENCH_JAVA_OPTS:-} -Ddistill.repo.root="$repo" -cp "$cp" dev.distill.engine.bench.LayerTreeReadsBenchmark "$work" "$rounds"
