#!/usr/bin/env bash
# -----------------------------------------------------------------------------
# A local OCI registry: Debian's docker-registry (CNCF distribution 2.8) on
# 127.0.0.1:$REGISTRY_PORT, storing under .state/registry/data, with push
# notifications POSTed to the analyzer's webhook
# (http://127.0.0.1:$ANALYZER_PORT/api/registry/events) carrying
# `Authorization: Bearer <secret>`.
#
# Usage: deploy/local/registry.sh start|stop|restart|status|config|clean
#   config   only (re)write .state/registry/config.yml and print its path
#   clean    stop and delete all stored images
#
# Environment:
#   REGISTRY_PORT (5000)
#   DISTILL_WEBHOOK_SECRET  the shared secret; default: generated once into .state/webhook-secret
#   DISTILL_WEBHOOK_URL     notification endpoint (http://127.0.0.1:8080/api/registry/events)
#   REGISTRY_NOTIFY_ALL=true  also notify blob and pull events (default: only manifest
#                             pushes/deletes and the like are sent; pulls and blob events are ignored)
# Files: .state/registry/config.yml, .state/registry/data/, .state/logs/registry.log,
#   .state/pids/registry.pid
# -----------------------------------------------------------------------------
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REGISTRY_STATE="$DISTILL_STATE_DIR/registry"
REGISTRY_CONFIG="$REGISTRY_STATE/config.yml"
REGISTRY_NAME=registry
REGISTRY_START_TIMEOUT="${REGISTRY_START_TIMEOUT:-30}"

write_config() {
  mkdir -p "$REGISTRY_STATE/data"
  local secret ignore=""
  secret=$(webhook_secret)
  if [ "${REGISTRY_NOTIFY_ALL:-false}" != true ]; then
    # Blob uploads are announced with this media type; a manifest push still notifies.
    ignore='
      ignore:
        mediatypes:
          - application/octet-stream
        actions:
          - pull'
  fi
  (umask 077 && cat >"$REGISTRY_CONFIG.tmp" <<EOF
# Written by deploy/local/registry.sh; rewritten at every start.
version: 0.1
log:
  # Not info: at info the registry prints each notification endpoint with its headers, the webhook secret among them.
  level: warn
  formatter: text
  fields:
    service: registry
storage:
  filesystem:
    rootdirectory: $REGISTRY_STATE/data
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: 127.0.0.1:$REGISTRY_PORT
  headers:
    X-Content-Type-Options: [nosniff]
notifications:
  endpoints:
    - name: distill
      url: $DISTILL_WEBHOOK_URL
      headers:
        Authorization: ["Bearer $secret"]
      timeout: 5s
      threshold: 5
      backoff: 1s$ignore
EOF
  )
  mv "$REGISTRY_CONFIG.tmp" "$REGISTRY_CONFIG"
}

registry_start() {
  local pidfile
  pidfile=$(pidfile_of "$REGISTRY_NAME")
  ensure_state_dirs
  command -v docker-registry >/dev/null 2>&1 \
    || die "docker-registry is not installed (deploy/local/install-prereqs.sh, or apt-get install docker-registry)"
  if pid_alive "$pidfile"; then
    log "registry already runs (pid $(pid_of "$pidfile")) on $REGISTRY_HOSTPORT"
    return 0
  fi
  if port_open "$REGISTRY_PORT"; then
    die "port $REGISTRY_PORT is already in use by another process (a system docker-registry service? stop it, or set REGISTRY_PORT)"
  fi
  write_config
  log "starting docker-registry on $REGISTRY_HOSTPORT (notifications -> $DISTILL_WEBHOOK_URL)"
  (cd "$REGISTRY_STATE" && start_bg "$REGISTRY_NAME" "$(logfile_of "$REGISTRY_NAME")" \
    docker-registry serve "$REGISTRY_CONFIG")
  if ! wait_http_200 "http://$REGISTRY_HOSTPORT/v2/" "$REGISTRY_START_TIMEOUT" "$pidfile"; then
    start_failed "$REGISTRY_NAME" "the registry did not answer GET /v2/"
  fi
  log "registry is up on http://$REGISTRY_HOSTPORT (pid $(pid_of "$pidfile"), log $(logfile_of "$REGISTRY_NAME"))"
}

registry_status() {
  local pidfile
  pidfile=$(pidfile_of "$REGISTRY_NAME")
  if pid_alive "$pidfile" && [ "$(http_status "http://$REGISTRY_HOSTPORT/v2/")" = 200 ]; then
    echo "registry: running (pid $(pid_of "$pidfile")) on http://$REGISTRY_HOSTPORT"
    return 0
  fi
  echo "registry: not running"
  return 3
}

case "${1:-}" in
  start) registry_start ;;
  stop) stop_pidfile "$REGISTRY_NAME" ;;
  restart) stop_pidfile "$REGISTRY_NAME"; registry_start ;;
  status) registry_status ;;
  config) ensure_state_dirs; write_config; echo "$REGISTRY_CONFIG" ;;
  clean) stop_pidfile "$REGISTRY_NAME"; rm -rf "$REGISTRY_STATE/data"; log "registry data removed" ;;
  -h|--help|help) sed -n '2,22p' "$0" ;;
  *) sed -n '2,22p' "$0" >&2; exit 2 ;;
esac
