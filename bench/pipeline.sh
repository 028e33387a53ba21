#!/usr/bin/env bash
# -----------------------------------------------------------------------------
# Push to verdict on the running local stack (issue 15): per round, the
# debian-php fixture pushed to a repository of its own, a migration asked for
# through the API, and from the status view each stage's time and the hand-off
# between stages (the previous stage's outcome event to the next stage's
# StageStarted, both as the events' own times). Not part of CI.
#
# Usage: bench/pipeline.sh [--rounds N]   (default 5), with the stack up
#   (deploy/local/up.sh; DISTILL_PORT_OFFSET is honoured as everywhere).
# Prints one line per round and the medians.
# -----------------------------------------------------------------------------
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rounds=5
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
# shellcheck source=deploy/local/lib.sh
source "$repo/deploy/local/lib.sh"
api="http://127.0.0.1:$ANALYZER_PORT/api/migrations"
# The user API takes the stack's operator token (up.sh writes it; docs/configuration.md, access).
token_file="$DISTILL_STATE_DIR/api-tokens/operator"
[ -r "$token_file" ] || { echo "bench/pipeline.sh: no API token at $token_file (start the stack with up.sh)" >&2; exit 1; }
auth="Authorization: Bearer $(cat "$token_file")"
ms() { date -d "$1" +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print int((a[NR/2]+a[NR/2+1])/2)}'; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for r in $(seq 1 "$rounds"); do
  ref="127.0.0.1:$REGISTRY_PORT/bench/pipeline-$$-$r:1"
  t0=$(date +%s%3N)
  "$repo/fixtures/build.sh" debian-php --push "$ref" >/dev/null
  t1=$(date +%s%3N)
  # The registry's push notification starts the migration (the webhook); asking again through the API for the
  # same image gives the same migration.
  id=$(curl -sS -m 30 -X POST "$api" -H "$auth" -H 'Content-Type: application/json' -H 'Accept: application/json' \
    --data "{\"image\":\"$ref\"}" | jq -r '.id')
  while :; do
    curl -sS -m 10 -H "$auth" -H 'Accept: application/json' "$api/$id" > "$out/view.json" || true
    state=$(jq -r '.state // empty' "$out/view.json")
    case $state in SUCCEEDED|NEEDS_REVIEW|BLOCKED|FAILED|CANCELLED) break ;; esac
    sleep 0.2   # the benchmark's own polling of the API; not part of any figure below (event times are)
  done
  # Stage records: startedAt/endedAt from the events' own times.
  requested=$(jq -r '.requestedAt' "$out/view.json")
  line="round=$r state=$state trigger=$(jq -r '.source.trigger' "$out/view.json") push_ms=$((t1 - t0))"
  prev_end=$(ms "$requested")
  first=$prev_end
  for stage in ANALYZE BUILD VERIFY; do
    s=$(jq -r --arg s "${stage,,}" '[.stages[] | select(.stage == $s)][0].startedAt // empty' "$out/view.json")
    e=$(jq -r --arg s "${stage,,}" '[.stages[] | select(.stage == $s)][0].endedAt // empty' "$out/view.json")
    [ -n "$s" ] && [ -n "$e" ] || { line="$line ${stage,,}=missing"; continue; }
    line="$line handoff_to_${stage,,}_ms=$(( $(ms "$s") - prev_end )) ${stage,,}_ms=$(( $(ms "$e") - $(ms "$s") ))"
    prev_end=$(ms "$e")
  done
  line="$line requested_to_verdict_ms=$((prev_end - first))"
  echo "$line"
  echo "$line" >> "$out/rounds"
done
for key in push_ms handoff_to_analyze_ms analyze_ms handoff_to_build_ms build_ms handoff_to_verify_ms verify_ms \
    requested_to_verdict_ms; do
  printf "%s=%s " "median_$key" "$(grep -o " $key=[0-9-]*" "$out/rounds" | cut -d= -f2 | median)"
done
echo
