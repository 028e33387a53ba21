#!/usr/bin/env bash
# -----------------------------------------------------------------------------
# Push to verdict on the running local stack (issue 15): per round, the
# debian-php fixture pushed (skopeo) to a repository of its own, the migration
# its push notification started looked up through the API (with the stack's
# operator token), and from the status view: push -> verdict (the push's start
# to the verdict event's own time), each stage's time, and each hand-off (the
# previous stage's outcome event to the next stage's StageStarted, both as the
# events' own times, so the script's polling is in no figure). Per round also
# whether the caches were warm: the source's answers and the layer trees (from
# the verification report's account of its rootfs), the analysis and build
# caches (entries they wrote during the round: 0 = every layer was a hit).
# Not part of CI.
#
# Usage: bench/pipeline.sh [--rounds N] [--cold K] [--releases]   with the stack up
#   (deploy/local/up.sh; DISTILL_PORT_OFFSET is honoured as everywhere).
#   --rounds N   rounds (default 6)
#   --cold K     the first K rounds are printed but left out of the medians
#                (default 1: the first after a start, with cold caches)
#   --releases   round 1 pushes the fixture, every later round its next
#                release (the top layer rebuilt with a new index.php, as
#                bench/release.sh makes tag 2): a new source digest each
#                round, and each run (the index.php names the run's start
#                time), so its answers are never kept, not even from an
#                earlier run on the same stack (lower layers are)
# Prints one line per round, then the medians and the load average.
# -----------------------------------------------------------------------------
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rounds=6; cold=1; releases=false
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --cold) cold=$2; shift 2 ;;
    --releases) releases=true; shift ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
for tool in curl jq skopeo date; do
  command -v "$tool" >/dev/null || { echo "bench/pipeline.sh needs $tool" >&2; exit 1; }
done
# shellcheck source=deploy/local/lib.sh
source "$repo/deploy/local/lib.sh"
api="http://127.0.0.1:$ANALYZER_PORT/api/migrations"
# The user API takes the stack's operator token (up.sh writes it; docs/configuration.md, access).
token_file=$(api_token_file operator)
[ -r "$token_file" ] || { echo "bench/pipeline.sh: no API token at $token_file (start the stack with up.sh)" >&2; exit 1; }
auth="Authorization: Bearer $(cat "$token_file")"
ms() { date -d "$1" +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) print "-"; else if (NR % 2) print a[(NR+1)/2]; else print int((a[NR/2]+a[NR/2+1])/2)}'; }
entries() { if [ -d "$1" ]; then find "$1" -type f | wc -l; else echo 0; fi; }
analysis_cache="$(svc_work_dir analyzer-svc)/cache"
build_cache="$(svc_work_dir builder-svc)/cache"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "[bench] building (or finding) the debian-php fixture" >&2
fixture=$("$repo/fixtures/build.sh" debian-php)
layout=$(sed -n 's/^layout=//p' <<<"$fixture"); tag=$(sed -n 's/^tag=//p' <<<"$fixture")
[ -d "$layout" ] || { echo "bench/pipeline.sh: the fixture build printed no layout" >&2; exit 1; }
if $releases; then
  # shellcheck source=bench/lib.sh
  source "$repo/bench/lib.sh"
  top=$(bench_top_layer_dir "$layout")
fi
echo "[bench] machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2

run=$(date +%s%N)  # in every release's index.php: a release of this run is new to the stack
for r in $(seq 1 "$rounds"); do
  repository="bench/pipeline-$$-$r"
  ref="127.0.0.1:$REGISTRY_PORT/$repository:1"
  source_ref="oci:$layout:$tag"
  if $releases && [ "$r" -gt 1 ]; then
    bench_release_layout "$layout" "$tag" "$top" "$out" "release-$r" "Hello from release $r of PHP (run $run)" >/dev/null
    source_ref="oci:$out/oci:release-$r"
  fi
  a0=$(entries "$analysis_cache"); b0=$(entries "$build_cache")
  t0=$(date +%s%3N)
  skopeo --insecure-policy copy -q --dest-tls-verify=false "$source_ref" "docker://$ref" >/dev/null
  t1=$(date +%s%3N)
  # The registry's push notification starts the migration (the webhook): find it by its image.
  id=""
  for _ in $(seq 1 300); do
    id=$(curl -sS -m 10 -H "$auth" -H 'Accept: application/json' "$api?repository=$repository" \
      | jq -r '.migrations[0].id // empty' 2>/dev/null || true)
    [ -n "$id" ] && break
    sleep 0.2
  done
  [ -n "$id" ] || { echo "bench/pipeline.sh: no migration for $ref after 60 s (is the webhook wired?)" >&2; exit 1; }
  while :; do
    curl -sS -m 10 -H "$auth" -H 'Accept: application/json' "$api/$id" > "$out/view.json" || true
    state=$(jq -r '.state // empty' "$out/view.json" 2>/dev/null || true)
    case $state in SUCCEEDED|NEEDS_REVIEW|BLOCKED|FAILED|CANCELLED) break ;; esac
    sleep 0.2   # the benchmark's own polling of the API; not part of any figure below (event times are)
  done
  curl -sS -m 30 -H "$auth" -H 'Accept: application/json' "$api/$id/verification" > "$out/verification.json" || true
  # Stage records: startedAt/endedAt from the events' own times.
  requested=$(jq -r '.requestedAt' "$out/view.json")
  line="round=$r state=$state trigger=$(jq -r '.source.trigger' "$out/view.json") push_ms=$((t1 - t0))"
  prev_end=$(ms "$requested")
  line="$line push_end_to_requested_ms=$((prev_end - t1))"
  first=$prev_end
  for stage in ANALYZE BUILD VERIFY; do
    s=$(jq -r --arg s "${stage,,}" '[.stages[] | select(.stage == $s)][0].startedAt // empty' "$out/view.json")
    e=$(jq -r --arg s "${stage,,}" '[.stages[] | select(.stage == $s)][0].endedAt // empty' "$out/view.json")
    [ -n "$s" ] && [ -n "$e" ] || { line="$line ${stage,,}=missing"; continue; }
    line="$line handoff_to_${stage,,}_ms=$(( $(ms "$s") - prev_end )) ${stage,,}_ms=$(( $(ms "$e") - $(ms "$s") ))"
    prev_end=$(ms "$e")
  done
  line="$line requested_to_verdict_ms=$((prev_end - first)) push_to_verdict_ms=$((prev_end - t0))"
  # What was warm: the verification's account of its rootfs says whether the source ran (its answers not kept) and
  # how many layer trees it had to unpack; the analysis and build caches say how many entries they wrote.
  # (the stored report: one entry per verification round, a repair round's after the first)
  rootfs=$(jq -r '[.rounds[].verification.timings.rootfs // empty] | join(" | ")' "$out/verification.json" 2>/dev/null \
    || true)
  if [ -z "$rootfs" ]; then source_answers=unknown
  elif grep -q 'source:' <<<"$rootfs"; then source_answers=cold
  else source_answers=warm; fi
  trees_unpacked=$({ grep -o '[0-9]* unpacked now' <<<"$rootfs" || true; } | awk '{n += $1} END {print n + 0}')
  trees_used=$({ grep -o 'overlay of [0-9]*' <<<"$rootfs" || true; } | awk '{n += $3} END {print n + 0}')
  analysis_new=$(( $(entries "$analysis_cache") - a0 )); build_new=$(( $(entries "$build_cache") - b0 ))
  line="$line verify_unpack_ms=$(jq -r '[.rounds[].verification.timings.unpackMillis // 0] | add // "-"' \
    "$out/verification.json" 2>/dev/null || echo -)"
  line="$line repair_rounds=$(jq -r '.result.repairRounds // 0' "$out/view.json")"
  line="$line source_answers=$source_answers layer_trees=$trees_unpacked/${trees_used}_unpacked_now"
  line="$line analysis_cache_new_entries=$analysis_new build_cache_new_entries=$build_new"
  line="$line load=$(cut -d' ' -f1 /proc/loadavg)"
  echo "$line"
  [ "$r" -gt "$cold" ] && echo "$line" >> "$out/rounds"
done
[ -s "$out/rounds" ] || exit 0
printf 'median of rounds %d-%d: ' "$((cold + 1))" "$rounds"
for key in push_ms push_end_to_requested_ms handoff_to_analyze_ms analyze_ms handoff_to_build_ms build_ms \
    handoff_to_verify_ms verify_ms requested_to_verdict_ms push_to_verdict_ms; do
  printf "%s=%s " "$key" "$({ grep -o " $key=[0-9-]*" "$out/rounds" || true; } | cut -d= -f2 | median)"
done
echo "load_average=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' /)"
