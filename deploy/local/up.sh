#!/usr/bin/env bash
# -----------------------------------------------------------------------------
# Starts the whole local Distill stack, without Docker:
#   prerequisites (as root) -> build (unless --no-build) -> Kafka (KRaft) ->
#   docker-registry (webhook to the analyzer) -> distroless bases (bases.sh) -> analyzer-svc, builder-svc,
#   verifier-svc as background java processes (the verifier as the user distill, its sandbox runner as root) ->
#   wait for /q/health/ready -> Prometheus scraping them.
# Idempotent: what already runs is left alone (see restart.sh to restart one part).
#
# Usage: deploy/local/up.sh [--images] [--no-build] [--sample]
#   --images    run the services from their own images under runc instead of as java processes: builds and
#               pushes them first (images.sh: Jib on Distill's Java bases), unpacks each into a runc bundle
#               under .state/containers and runs it with the host's network (docs/operations.md)
#   --no-build  use the jars already in */target/quarkus-app (also: DISTILL_NO_BUILD=true); with --images,
#               the images images.sh last pushed (.state/images.txt)
#   --sample    then build and push the sample image to 127.0.0.1:5000/demo/app:1
#               (the registry webhook announces it), POST it to /api/migrations
#               and poll the migration until it ends (SAMPLE_TIMEOUT, 120 s)
# Stop everything with deploy/local/down.sh.
#
# Environment (defaults; each port shifted by DISTILL_PORT_OFFSET, 0): KAFKA_PORT 9092, KAFKA_CONTROLLER_PORT 9093,
#   REGISTRY_PORT 5000, ANALYZER_PORT 8080, BUILDER_PORT 8081, VERIFIER_PORT 8082,
#   DISTILL_WEBHOOK_SECRET (generated once into .state/webhook-secret),
#   DISTILL_API_AUTH (on; off runs the user API without token checks, and says so),
#   PROMETHEUS_PORT 9090, PROMETHEUS_SCRAPE_INTERVAL 5s,
#   DISTILL_SERVICE_XMX 384m, KAFKA_HEAP 512m, DISTILL_READY_TIMEOUT 120,
#   JAVA_OPTS_EXTRA (extra JVM flags for the services), DISTILL_STATE_DIR.
# -----------------------------------------------------------------------------
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

build=true
sample=false
mode=jars
[ "${DISTILL_NO_BUILD:-false}" = true ] && build=false
for arg in "$@"; do
  case $arg in
    --no-build) build=false ;;
    --sample) sample=true ;;
    --images) mode=images ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) die "unknown argument: $arg (see --help)" ;;
  esac
done

# 1. Prerequisites.
if is_root; then
  "$DISTILL_LOCAL_DIR/install-prereqs.sh"
else
  "$DISTILL_LOCAL_DIR/install-prereqs.sh" --check >/dev/null \
    || die "prerequisites are missing: run deploy/local/install-prereqs.sh as root"
fi
ensure_state_dirs

# 2. Build (the images are built once the registry runs).
if $build && [ "$mode" = jars ]; then
  log "building the services (./mvnw -B -q package -DskipTests)"
  mvnw -B -q package -DskipTests || die "the build failed"
fi
if [ "$mode" = jars ]; then
  for svc in "${DISTILL_SERVICES[@]}"; do
    [ -f "$(svc_jar "$svc")" ] || die "$(svc_jar "$svc") is missing: build first (drop --no-build)"
  done
fi
for svc in "${DISTILL_SERVICES[@]}"; do
  pid_alive "$(pidfile_of "$svc")" && [ "$(run_mode)" != "$mode" ] \
    && die "$svc runs as $(run_mode) already: deploy/local/down.sh first to switch to $mode"
done
echo "$mode" >"$DISTILL_STATE_DIR/run-mode"

# 3. Infrastructure.
"$DISTILL_LOCAL_DIR/kafka.sh" start
"$DISTILL_LOCAL_DIR/registry.sh" start
# The distroless bases the builder puts programs on (built once from Debian packages; quick when present).
DISTILL_NO_BUILD=true "$DISTILL_LOCAL_DIR/bases.sh" >/dev/null
if [ "$mode" = images ]; then
  if $build || [ ! -s "$DISTILL_STATE_DIR/images.txt" ]; then
    "$DISTILL_LOCAL_DIR/images.sh" >/dev/null
  fi
  log "the services run from: $(awk '{printf "%s@%s ", $2, $3}' "$DISTILL_STATE_DIR/images.txt")"
fi

# 4. Services: start all, then wait for each.
for svc in "${DISTILL_SERVICES[@]}"; do
  start_service "$svc"
done
for svc in "${DISTILL_SERVICES[@]}"; do
  wait_service "$svc"
done
# Metrics: Debian's prometheus scraping the three services, with Distill's alert rules.
"$DISTILL_LOCAL_DIR/prometheus.sh" start

# 5. What runs where.
rel() { printf '%s' "${1#"$DISTILL_ROOT"/}"; }
{
  echo
  echo "Distill local stack is up:"
  printf '  %-13s %-38s %s\n' "WHAT" "WHERE" "LOG"
  printf '  %-13s %-38s %s\n' "kafka" "$KAFKA_BOOTSTRAP (controller :$KAFKA_CONTROLLER_PORT)" "$(rel "$DISTILL_LOG_DIR/kafka.log")"
  printf '  %-13s %-38s %s\n' "registry" "http://$REGISTRY_HOSTPORT" "$(rel "$(logfile_of registry)")"
  for svc in "${DISTILL_SERVICES[@]}"; do
    what="http://127.0.0.1:$(svc_port "$svc")"
    [ "$svc" = analyzer-svc ] && what="$what (API, webhook)"
    [ "$mode" = images ] && what="$what [runc]"
    printf '  %-13s %-38s %s\n' "$svc" "$what" "$(rel "$(logfile_of "$svc")")"
  done
  printf '  %-13s %-38s %s\n' "prometheus" "http://127.0.0.1:$PROMETHEUS_PORT" "$(rel "$(logfile_of prometheus)")"
  echo "  webhook: $DISTILL_WEBHOOK_URL (Authorization: Bearer <secret in $(rel "$DISTILL_STATE_DIR")/webhook-secret or \$DISTILL_WEBHOOK_SECRET>)"
  echo "  web UI:  http://127.0.0.1:$ANALYZER_PORT/    API document: http://127.0.0.1:$ANALYZER_PORT/q/swagger-ui/"
  if api_auth_off; then
    echo "  access:  OFF (DISTILL_API_AUTH=off): anyone who reaches port $ANALYZER_PORT may start, re-run and cancel migrations"
  else
    echo "  access:  tokens in $(rel "$DISTILL_STATE_DIR")/api-tokens/: reader (read), operator (read, write); e.g."
    echo "           curl -H \"Authorization: Bearer \$(cat $(rel "$(api_token_file operator)"))\" http://127.0.0.1:$ANALYZER_PORT/api/migrations"
    echo "           (the UI asks for one; DISTILL_API_AUTH=off runs without checks)"
  fi
  echo "  stop:    deploy/local/down.sh    restart one: deploy/local/restart.sh <svc>"
  echo
}

# 6. The sample migration.
if $sample; then
  image="127.0.0.1:$REGISTRY_PORT/demo/app:1"
  "$DISTILL_LOCAL_DIR/sample-image.sh" "$image"
  api="http://127.0.0.1:$ANALYZER_PORT/api/migrations"
  log "POST $api {\"image\":\"$image\"}"
  headers=$(mktemp)
  body=$(mktemp)
  trap 'rm -f "$headers" "$body"' EXIT
  auth=()
  api_auth_off || auth=(-H "Authorization: Bearer $(api_token operator)")
  code=$(curl -sS -m 30 -o "$body" -D "$headers" -w '%{http_code}' -X POST "$api" \
    -H 'Content-Type: application/json' -H 'Accept: application/json' "${auth[@]}" \
    --data "{\"image\":\"$image\"}") || die "POST $api failed"
  echo "HTTP $code"
  jq . "$body" 2>/dev/null || cat "$body"
  case $code in 2??) ;; *) die "POST $api answered $code" ;; esac
  id=$(jq -r '.id // empty' "$body" 2>/dev/null || true)
  if [ -z "$id" ]; then
    location=$(sed -n 's/^[Ll]ocation:[[:space:]]*//p' "$headers" | tr -d '\r' | tail -n 1)
    id=${location##*/}
  fi
  [ -n "$id" ] || die "the response has neither an id nor a Location header"
  log "polling $api/$id until it ends (timeout ${SAMPLE_TIMEOUT:-300}s)"
  deadline=$((SECONDS + ${SAMPLE_TIMEOUT:-300}))
  state=""
  while :; do
    code=$(curl -s -m 10 -o "$body" -w '%{http_code}' -H 'Accept: application/json' "${auth[@]}" "$api/$id") || code=000
    if [ "$code" = 200 ]; then
      new_state=$(jq -r '.state // empty' "$body" 2>/dev/null || true)
      if [ "$new_state" != "$state" ]; then log "state: ${new_state:-?}"; fi
      state=$new_state
      case $state in SUCCEEDED|NEEDS_REVIEW|BLOCKED|FAILED) break ;; esac
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      jq . "$body" 2>/dev/null || cat "$body"
      die "migration $id did not end within ${SAMPLE_TIMEOUT:-300}s (last HTTP $code, state ${state:-?})"
    fi
    sleep 2
  done
  # The whole pipeline in a few lines: each stage, the result images, the verdict and its evidence.
  jq -r '
    "",
    "migration \(.id): \(.state)",
    "  source   \(.source.image) (\(.resolved.manifestDigest // "?"))",
    (.stages[] | "  \(.stage | . + "        " | .[0:8]) \(.outcome // "-")\(if .reason then ": " + .reason else "" end)"),
    (.results[]? | "  result   \(.reference) (\(.compressedSize) bytes compressed, base \(.base), user \(.user))"),
    (if .result then
      "  size     \(.result.sourceSize) -> \(.result.resultSize) bytes (uncompressed); removed \(.result.surfaceRemoved | length) shells, package managers, setuid files",
      (.result.evidence.probes[]? | "  probe    \(.name): \(if .passed then "passed" else "FAILED" end) (\(.result // "-"); source: \(.source // "not compared"))"),
      "  tests    structure: \(.result.evidence.structureTests.passed) passed, \(.result.evidence.structureTests.failed) failed, \(.result.evidence.structureTests.skipped) skipped"
     else empty end),
    (.reasons[]? | "  reason   \(.)"),
    "  details  GET /api/migrations/\(.id)/analysis | /build | /verification | /wiring/kubernetes | /wiring/compose",
    "  web UI   http://127.0.0.1:'"$ANALYZER_PORT"'/migration.html?id=\(.id)"' "$body"
  log "migration $id ended: $state"
fi
