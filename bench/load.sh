#!/usr/bin/env bash
# -----------------------------------------------------------------------------
# The webhook load benchmark (issue 10): 200 registry push notifications per
# second for 60 s over HTTP/1.1 (as the registry sends them), half of them
# resent duplicates (and anything not answered 2xx within 5 s resent after a
# second, as the registry does), while the status API is read 20 times a
# second; then Kafka is asked whether every push got exactly one migration and
# whether any analysis started twice, and the webhook's p99 must be under the
# registry's 5 s timeout. Prints webhook and status latencies (p50/p99), the
# services' peak RSS and heap, and how far the analysis stage drained the
# backlog (reported, not checked). About 5 minutes. Not part of CI
# (WebhookLoadIT is its small version there); figures in docs/reliability.md.
#
# Usage: bench/load.sh [-Dload.rate=200] [-Dload.seconds=60] [-Dload.seed=1]
#          [-Dload.drain-seconds=300] [-Dload.http=1.1|2]
# Environment: DISTILL_PORT_OFFSET (0; lock /tmp/distill-stack[-OFFSET].lock), DISTILL_STACK_LOCK (another lock).
# -----------------------------------------------------------------------------
set -euo pipefail
case "${1:-}" in -h|--help) sed -n '2,18p' "$0"; exit 0 ;; esac
# shellcheck source=bench/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"
run_stack_harness LoadHarness "LoadHarness:" "$@"
