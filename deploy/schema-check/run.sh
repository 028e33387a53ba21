#!/usr/bin/env bash
# -----------------------------------------------------------------------------
# Runs one of Distill's offline schema checks with node, after installing the
# pinned checkers (package-lock.json: ajv, ajv-formats, yaml, kubernetes-models)
# with `npm ci` into deploy/schema-check/node_modules when they are missing or
# older than the lock file.
#
# Usage: deploy/schema-check/run.sh dashboards SCHEMA_DIR DASHBOARD.json...
#        deploy/schema-check/run.sh kubernetes SCHEMA_DIR MANIFESTS.yaml...
#        deploy/schema-check/run.sh compose SCHEMA.json COMPOSE.yaml [NAME=VALUE...]
# Prints a JSON report on stdout; exits 1 when anything fails its check.
# Needs node >= 18 and npm (deploy/local/install-prereqs.sh installs Debian's nodejs and npm).
# -----------------------------------------------------------------------------
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
check=${1:?usage: run.sh dashboards|kubernetes ARGS...}
shift
case $check in dashboards|kubernetes|compose) ;; *) echo "unknown check: $check (dashboards, kubernetes or compose)" >&2; exit 2 ;; esac
command -v node >/dev/null && command -v npm >/dev/null \
  || { echo "node and npm are needed: deploy/local/install-prereqs.sh (Debian's nodejs and npm)" >&2; exit 2; }
# One npm ci at a time: several test JVMs may call this at once.
exec 9>"$here/.npm.lock"
flock 9
if [ ! -f "$here/node_modules/.package-lock.json" ] || [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
flock -u 9
exec node "$here/$check.mjs" "$@"
