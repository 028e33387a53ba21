#!/usr/bin/env bash
# -----------------------------------------------------------------------------
# Stops the local Distill stack started by up.sh: Prometheus, the three services
# (and the verifier's sandbox runner), the registry and Kafka, through their pid files (TERM, then KILL after
# DISTILL_STOP_GRACE = 15 s). Idempotent: what does not run is skipped.
#
# Usage: deploy/local/down.sh [--clean]
#   --clean  also delete Kafka's data, the registry's images, Prometheus' samples, the
#            services' work directories, the webhook secret and the API tokens (new ones
#            are generated at the next start; logs and the sample image cache stay)
# -----------------------------------------------------------------------------
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

clean=false
case "${1:-}" in
  --clean) clean=true ;;
  "") ;;
  -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
  *) die "unknown argument: $1" ;;
esac

"$DISTILL_LOCAL_DIR/prometheus.sh" stop
for ((i = ${#DISTILL_SERVICES[@]} - 1; i >= 0; i--)); do
  stop_service "${DISTILL_SERVICES[i]}"
done
"$DISTILL_LOCAL_DIR/registry.sh" stop
"$DISTILL_LOCAL_DIR/kafka.sh" stop
# Anything else that was started through lib.sh's start_bg.
if [ -d "$DISTILL_PID_DIR" ]; then
  for f in "$DISTILL_PID_DIR"/*.pid; do
    [ -e "$f" ] || continue
    name=$(basename "$f" .pid)
    stop_pidfile "$name"
  done
fi

if $clean; then
  # The generated webhook secret and API tokens go too: a clean stack has new ones, and what older logs hold is void.
  rm -rf "$DISTILL_STATE_DIR/kafka/data" "$DISTILL_STATE_DIR/registry/data" "$DISTILL_STATE_DIR/prometheus/data" \
    "$DISTILL_STATE_DIR/webhook-secret" "$DISTILL_STATE_DIR/api-tokens"
  for svc in "${DISTILL_SERVICES[@]}"; do
    rm -rf "$(svc_work_dir "$svc")"
  done
  # The verifier's spool; the runner's bundles only when no mount is left below them (a killed runner's next start
  # sweeps those).
  rm -rf "$(verify_spool_dir)"
  if ! grep -q " $(runner_work_dir)/" /proc/self/mountinfo; then
    rm -rf "$(runner_work_dir)"
  fi
  log "data removed"
fi
log "local stack stopped"
