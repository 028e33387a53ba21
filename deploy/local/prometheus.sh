#!/usr/bin/env bash
# -----------------------------------------------------------------------------
# A local Prometheus: Debian's `prometheus` (2.42 in bookworm) on
# 127.0.0.1:$PROMETHEUS_PORT, scraping /q/metrics of the three services every
# $PROMETHEUS_SCRAPE_INTERVAL, with Distill's alert rules (deploy/prometheus/*.yml)
# loaded. Its TSDB lives under .state/prometheus/data.
#
# Usage: deploy/local/prometheus.sh start|stop|restart|status|config|url|clean
#   config   only (re)write .state/prometheus/prometheus.yml, check it with promtool and print its path
#   url      print the URL
#   clean    stop and delete the stored samples
#
# Environment: PROMETHEUS_PORT (9090 + DISTILL_PORT_OFFSET), PROMETHEUS_SCRAPE_INTERVAL (5s), PROMETHEUS_RETENTION (2d),
#   ANALYZER_PORT, BUILDER_PORT, VERIFIER_PORT (the scrape targets), DISTILL_STATE_DIR.
# Files: .state/prometheus/{prometheus.yml,data/}, .state/logs/prometheus.log, .state/pids/prometheus.pid
# -----------------------------------------------------------------------------
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PROMETHEUS_STATE="$DISTILL_STATE_DIR/prometheus"
PROMETHEUS_CONFIG="$PROMETHEUS_STATE/prometheus.yml"
PROMETHEUS_NAME=prometheus
PROMETHEUS_START_TIMEOUT="${PROMETHEUS_START_TIMEOUT:-60}"
PROMETHEUS_SCRAPE_INTERVAL="${PROMETHEUS_SCRAPE_INTERVAL:-5s}"
PROMETHEUS_RETENTION="${PROMETHEUS_RETENTION:-2d}"
PROMETHEUS_RULES_DIR="$DISTILL_ROOT/deploy/prometheus"

write_config() {
  mkdir -p "$PROMETHEUS_STATE/data"
  local svc
  {
    cat <<EOF
# Written by deploy/local/prometheus.sh; rewritten at every start.
global:
  scrape_interval: $PROMETHEUS_SCRAPE_INTERVAL
  evaluation_interval: $PROMETHEUS_SCRAPE_INTERVAL
rule_files:
  - $PROMETHEUS_RULES_DIR/*.yml
# One job per service: the job label names the service (the alert rules and dashboards rely on it).
scrape_configs:
EOF
    for svc in "${DISTILL_SERVICES[@]}"; do
      cat <<EOF
  - job_name: $svc
    metrics_path: /q/metrics
    static_configs:
      - targets: ["127.0.0.1:$(svc_port "$svc")"]
EOF
    done
  } >"$PROMETHEUS_CONFIG.tmp"
  mv "$PROMETHEUS_CONFIG.tmp" "$PROMETHEUS_CONFIG"
  if ! promtool check config "$PROMETHEUS_CONFIG" >/dev/null 2>&1; then
    promtool check config "$PROMETHEUS_CONFIG" >&2 || true
    die "promtool rejects $PROMETHEUS_CONFIG"
  fi
}

prometheus_url() { printf 'http://127.0.0.1:%s' "$PROMETHEUS_PORT"; }

prometheus_start() {
  local pidfile
  pidfile=$(pidfile_of "$PROMETHEUS_NAME")
  ensure_state_dirs
  command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 \
    || die "prometheus is not installed (deploy/local/install-prereqs.sh, or apt-get install prometheus)"
  if pid_alive "$pidfile"; then
    log "prometheus already runs (pid $(pid_of "$pidfile")) on $(prometheus_url)"
    return 0
  fi
  if port_open "$PROMETHEUS_PORT"; then
    die "port $PROMETHEUS_PORT is already in use by another process (a system prometheus service? stop it, or set PROMETHEUS_PORT)"
  fi
  write_config
  log "starting prometheus on $(prometheus_url) (scraping every $PROMETHEUS_SCRAPE_INTERVAL)"
  (cd "$PROMETHEUS_STATE" && start_bg "$PROMETHEUS_NAME" "$(logfile_of "$PROMETHEUS_NAME")" \
    prometheus "--config.file=$PROMETHEUS_CONFIG" "--storage.tsdb.path=$PROMETHEUS_STATE/data" \
    "--storage.tsdb.retention.time=$PROMETHEUS_RETENTION" "--web.listen-address=127.0.0.1:$PROMETHEUS_PORT")
  if ! wait_http_200 "$(prometheus_url)/-/ready" "$PROMETHEUS_START_TIMEOUT" "$pidfile"; then
    start_failed "$PROMETHEUS_NAME" "prometheus did not become ready"
  fi
  log "prometheus is up on $(prometheus_url) (pid $(pid_of "$pidfile"), log $(logfile_of "$PROMETHEUS_NAME"))"
}

prometheus_status() {
  local pidfile
  pidfile=$(pidfile_of "$PROMETHEUS_NAME")
  if pid_alive "$pidfile" && [ "$(http_status "$(prometheus_url)/-/ready")" = 200 ]; then
    echo "prometheus: running (pid $(pid_of "$pidfile")) on $(prometheus_url)"
    return 0
  fi
  echo "prometheus: not running"
  return 3
}

case "${1:-}" in
  start) prometheus_start ;;
  stop) stop_pidfile "$PROMETHEUS_NAME" ;;
  restart) stop_pidfile "$PROMETHEUS_NAME"; prometheus_start ;;
  status) prometheus_status ;;
  config) ensure_state_dirs; write_config; echo "$PROMETHEUS_CONFIG" ;;
  url) prometheus_url; echo ;;
  clean) stop_pidfile "$PROMETHEUS_NAME"; rm -rf "$PROMETHEUS_STATE/data"; log "prometheus data removed" ;;
  -h|--help|help) sed -n '2,15p' "$0" ;;
  *) sed -n '2,15p' "$0" >&2; exit 2 ;;
esac
