#!/usr/bin/env bash
# -----------------------------------------------------------------------------
# The verifier's benchmark (issue 5): the Debian PHP fixture from push to
# verdict (push, analysis, build, verification under runc, the verification
# split into pull, unpack, start and probe as the verifier reports it), and each
# result image against the smallest possible: its base plus the files the
# program opened while it was probed. Not part of CI.
#
# Usage: bench/verify.sh [--rounds N]   (default 3; each round a new repository)
# Environment: DISTILL_FIXTURE_CACHE (fixtures' and .debs' cache),
# BENCH_JAVA_OPTS (more JVM options).
# Needs root, runc, strace, nsenter, docker-registry, skopeo.
# -----------------------------------------------------------------------------
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rounds=3
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "bench/verify.sh runs containers with runc: run it as root" >&2; exit 1; }
for tool in java mvn skopeo docker-registry runc strace nsenter; do
  command -v "$tool" >/dev/null || { echo "bench/verify.sh needs $tool" >&2; exit 1; }
done

# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"
cp=$(bench_classpath "$repo")
echo "[bench] machine: $(nproc) cores, $(free -m | awk '/^Mem:/ {print $2}') MiB memory, $(java -version 2>&1 | head -1)," \
  "$(runc --version | head -1), $(strace --version | head -1)" >&2
# shellcheck disable=SC2086 # options split as given
java ${BENCH_JAVA_OPTS:-} -Ddistill.repo.root="$repo" -cp "$cp" dev.distill.engine.bench.VerifyBenchmark "$rounds"
