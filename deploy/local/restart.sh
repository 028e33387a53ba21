#!/usr/bin/env bash
# -----------------------------------------------------------------------------
# Restarts one part of the running local stack with the same settings as up.sh.
#
# Usage: deploy/local/restart.sh [--crash] analyzer-svc|builder-svc|verifier-svc|sandbox-runner|kafka|registry
#   A service is stopped (TERM, KILL after DISTILL_STOP_GRACE s), started again
#   with the environment from lib.sh and waited for (/q/health/ready = 200; the
#   sandbox runner: until it listens on its socket).
#   --crash kills a service with SIGKILL instead, as a crash would (tests use it).
# -----------------------------------------------------------------------------
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

crash=false
if [ "${1:-}" = --crash ]; then crash=true; shift; fi
[ $# -eq 1 ] || { sed -n '2,9p' "$0" >&2; exit 2; }
case $1 in
  kafka) exec "$DISTILL_LOCAL_DIR/kafka.sh" restart ;;
  registry) exec "$DISTILL_LOCAL_DIR/registry.sh" restart ;;
  -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
  sandbox-runner)
    verifier_via_runner || { echo "the verifier runs its containers itself here: there is no sandbox runner" >&2; exit 2; }
    if $crash && pid_alive "$(pidfile_of sandbox-runner)"; then
      kill -KILL "$(pid_of "$(pidfile_of sandbox-runner)")" 2>/dev/null || true
      sleep 0.5
    fi
    stop_pidfile sandbox-runner
    start_sandbox_runner  # sweeps what the killed one left, then listens
    exit 0 ;;
esac
svc=$1
svc_port "$svc" >/dev/null  # fails for an unknown name
if $crash && pid_alive "$(pidfile_of "$svc")"; then
  kill -KILL "$(pid_of "$(pidfile_of "$svc")")" 2>/dev/null || true
  sleep 0.5
fi
stop_service "$svc"
start_service "$svc"
wait_service "$svc"
