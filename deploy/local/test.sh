#!/usr/bin/env bash
# -----------------------------------------------------------------------------
# The project's test command: installs the prerequisites (as root), then runs
# all unit tests and the end-to-end integration tests from the repository root:
#   ./mvnw -B verify -Pe2e "$@"
# The e2e tests (failsafe) start and stop the local stack themselves with
# deploy/local/up.sh and down.sh. Extra arguments go to Maven, e.g.
#   deploy/local/test.sh -Dit.test=SomeIT
# -----------------------------------------------------------------------------
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case "${1:-}" in -h|--help) sed -n '2,9p' "$0"; exit 0 ;; esac

# As non-root this only checks, and fails with the apt-get line to run if something is missing.
"$DISTILL_LOCAL_DIR/install-prereqs.sh"

cd "$DISTILL_ROOT"
exec ./mvnw -B verify -Pe2e "$@"
