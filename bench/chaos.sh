#!/usr/bin/env bash
# -----------------------------------------------------------------------------
# The chaos benchmark (issue 10): while 20 migrations are in flight, kill -9
# each service 10 times at random moments and restart the Kafka broker and the
# registry (twice each); then check that every migration has exactly one final
# event and state, that every result tag is a whole image of its migration, that
# nothing of the work is left (work directories, containers, mounts and
# container processes below the stack's state or the verifier's work root,
# named network namespaces) and that the services are healthy.
# Takes about 20-30 minutes on a busy 2-core machine: not part of CI; figures in
# docs/reliability.md.
#
# Usage: bench/chaos.sh [-Dchaos.migrations=20] [-Dchaos.kills=10] [-Dchaos.restarts=2] [-Dchaos.seed=N]
#          [-Dchaos.targets=analyzer-svc,builder-svc,verifier-svc]  (what is killed: names restart.sh --crash takes;
#          a process added to the stack is added there and here)
# Environment: DISTILL_FIXTURE_CACHE, DISTILL_PORT_OFFSET (0; lock /tmp/distill-stack[-OFFSET].lock),
# DISTILL_STACK_LOCK (another lock).
# Needs root and what deploy/local/install-prereqs.sh installs.
# -----------------------------------------------------------------------------
set -euo pipefail
case "${1:-}" in -h|--help) sed -n '2,19p' "$0"; exit 0 ;; esac
# shellcheck source=bench/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"
run_stack_harness ChaosHarness "ChaosHarness:" "$@"
