#!/usr/bin/env bash
# -----------------------------------------------------------------------------
# The builder's benchmark (issue 4): building the Debian PHP fixture's plan
# (both programs, pushed to a real registry onto the real distroless bases)
# against `tar | gzip -6` of exactly the files the plan carries, side by side in
# one JVM, interleaved round by round. Also the size of each result image
# against the source's. Not part of CI.
#
# Usage: bench/build.sh [--rounds N] [--warmups K]
#   --rounds N    timed rounds (default 5); each round pushes the fixture to a
#                 new repository (untimed), then builds and runs the baseline,
#                 in alternating order
#   --warmups K   K untimed rounds first (default 0: round 1 is a cold JVM)
# Environment: DISTILL_FIXTURE_CACHE (fixtures' and .debs' cache),
# BENCH_JAVA_OPTS (more JVM options).
# Needs root (the fixture's rootfs), docker-registry, skopeo, GNU tar, gzip.
# -----------------------------------------------------------------------------
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rounds=5; warmups=0
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --warmups) warmups=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
for tool in tar gzip java mvn skopeo docker-registry; do
  command -v "$tool" >/dev/null || { echo "bench/build.sh needs $tool" >&2; exit 1; }
done
log() { echo "[bench] $*" >&2; }

log "building (or finding) the debian-php fixture"
rootfs=$("$repo/fixtures/build.sh" debian-php | sed -n 's/^rootfs=//p')
[ -d "$rootfs" ] || { echo "fixtures/build.sh printed no rootfs" >&2; exit 1; }

# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"
cp=$(bench_classpath "$repo")
log "machine: $(nproc) cores, $(free -m | awk '/^Mem:/ {print $2}') MiB memory, $(java -version 2>&1 | head -1)," \
  "$(tar --version | head -1), $(gzip --version | head -1)"
# shellcheck disable=SC2086 # options split as given
java ${BENCH_JAVA_OPTS:-} -Ddistill.repo.root="$repo" -cp "$cp" dev.distill.engine.bench.BuildBenchmark \
  "$rootfs" "$rounds" "$warmups"
