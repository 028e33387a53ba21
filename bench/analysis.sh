#!/usr/bin/env bash
# -----------------------------------------------------------------------------
# The analysis benchmark (issue 3): the analysis of an image against plain
# decompression of its layers (gzip -dc to /dev/null), side by side in one run,
# interleaved round by round so that the machine's noise hits both alike.
# Not part of CI.
#
# Usage: bench/analysis.sh [--rounds N] [--xmx SIZE] [--warmups K] [--two-pass] [--layout DIR [--tag TAG]] [--big]
#   --rounds N    rounds (default 5); each round times gzip -dc of every layer
#                 blob, then one analysis in a fresh JVM
#   --xmx SIZE    the JVM's heap limit (default 512m): a run that needs more fails
#   --warmups K   K untimed analyses in the same JVM before the timed one
#                 (default 0: a cold JVM); shows a long-running service's cost
#   --two-pass    build the view first, then analyse it reading the layers again
#                 (as before the one-pass analysis; default: one pass)
#   --layout DIR  an OCI layout to analyse (default: the debian-php fixture,
#                 built or found in $DISTILL_FIXTURE_CACHE by fixtures/build.sh)
#   --tag TAG     its tag (default latest)
#   --big         the ~1 GB image of bench/make-big-image.sh (made if missing)
# Environment: BENCH_JAVA_OPTS, more JVM options for the analysis runs (to try
# collectors or compilation settings).
# Prints one line per round and the medians; exits non-zero when a run fails
# (for instance out of heap).
# -----------------------------------------------------------------------------
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"
rounds=5; xmx=512m; warmups=0; mode=one-pass; layout=""; tag=latest; big=false
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --xmx) xmx=$2; shift 2 ;;
    --warmups) warmups=$2; shift 2 ;;
    --two-pass) mode=two-pass; shift ;;
    --layout) layout=$2; shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    --big) big=true; shift ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
for tool in jq gzip java mvn; do
  command -v "$tool" >/dev/null || { echo "bench/analysis.sh needs $tool" >&2; exit 1; }
done
log() { echo "[bench] $*" >&2; }

if $big; then
  layout=$("$repo/bench/make-big-image.sh")
elif [ -z "$layout" ]; then
  log "building (or finding) the debian-php fixture"
  out=$("$repo/fixtures/build.sh" debian-php)
  layout=$(sed -n 's/^layout=//p' <<<"$out"); tag=$(sed -n 's/^tag=//p' <<<"$out")
fi

cp=$(bench_classpath "$repo")

# The layers of the tagged image, from the layout's own index and manifest.
manifest=$(jq -r --arg t "$tag" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t) | .digest' \
  "$layout/index.json")
[ -n "$manifest" ] || { echo "no image tagged $tag in $layout" >&2; exit 1; }
mapfile -t blobs < <(jq -r '.layers[].digest | sub("sha256:"; "")' "$layout/blobs/sha256/${manifest#sha256:}")
compressed=0
for b in "${blobs[@]}"; do compressed=$((compressed + $(stat -c %s "$layout/blobs/sha256/$b"))); done
log "image $layout:$tag, ${#blobs[@]} layers, $compressed bytes compressed; $rounds rounds, -Xmx$xmx, $warmups warm-ups, $mode${BENCH_JAVA_OPTS:+, JVM options $BENCH_JAVA_OPTS}"
log "machine: $(nproc) cores, $(free -m | awk '/^Mem:/ {print $2}') MiB memory, $(java -version 2>&1 | head -1)"

now() { date +%s%N; }
results=$(mktemp); trap 'rm -f "$results"' EXIT
for round in $(seq 1 "$rounds"); do
  start=$(now)
  for b in "${blobs[@]}"; do gzip -dc "$layout/blobs/sha256/$b" >/dev/null; done
  gzip_ms=$(( ($(now) - start) / 1000000 ))

  start=$(now)
  # shellcheck disable=SC2086 # options split as given
  line=$(java -Xmx"$xmx" ${BENCH_JAVA_OPTS:-} -cp "$cp" dev.distill.engine.bench.AnalysisBenchmark "$layout" "$tag" "$warmups" "$mode")
  jvm_ms=$(( ($(now) - start) / 1000000 ))
  total_ms=$(sed -n 's/.*total_ms=\([0-9]*\).*/\1/p' <<<"$line")
  ratio=$(awk -v a="$total_ms" -v g="$gzip_ms" 'BEGIN { printf "%.2f", a / g }')
  echo "round=$round gzip_ms=$gzip_ms jvm_wall_ms=$jvm_ms ratio=$ratio $line" | tee -a "$results"
done

median() { # the median of field $1 over the rounds
  sed -n "s/.* $1=\([0-9.]*\).*/\1/p" "$results" | sort -n \
    | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
g=$(median gzip_ms); t=$(median total_ms)
echo "median: gzip_ms=$g build_ms=$(median build_ms) analyze_ms=$(median analyze_ms) total_ms=$t" \
  "jvm_wall_ms=$(median jvm_wall_ms) ratio_of_medians=$(awk -v a="$t" -v g="$g" 'BEGIN { printf "%.2f", a / g }')" \
  "median_ratio=$(median ratio) heap_peak_mib=$(median heap_peak_mib) (max $(sed -n 's/.*heap_peak_mib=\([0-9.]*\).*/\1/p' \
  "$results" | sort -n | tail -1)) heap_live_mib=$(median heap_live_mib) goal_ratio=1.3 goal_heap_mib=512"
