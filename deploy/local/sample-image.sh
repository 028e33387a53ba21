#!/usr/bin/env bash
# -----------------------------------------------------------------------------
# Pushes Distill's sample "fat" image to the local registry, built without
# Docker by the project's own fixtures (fixtures/README.md):
#   musl-plugin (default)  an Alpine-layout musl image: busybox shell, a program
#                          with its own shared library and a plugin it dlopen()s
#                          (named in /etc/greeter.conf), serving :8080
#   debian-php             the seed application: php-fpm + nginx under
#                          supervisord (Python), a shell entrypoint, a PHP page
# The fixture is built once and cached ($DISTILL_FIXTURE_CACHE, default
# fixtures/.cache), then copied with skopeo.
#
# Usage: deploy/local/sample-image.sh [TARGET_REF]
#   TARGET_REF   default 127.0.0.1:$REGISTRY_PORT/demo/app:1 (plain HTTP is allowed)
# Environment: DISTILL_SAMPLE (musl-plugin | debian-php).
# -----------------------------------------------------------------------------
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

target="127.0.0.1:$REGISTRY_PORT/demo/app:1"
case "${1:-}" in
  -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
  -*) die "unknown option: $1" ;;
  "") ;;
  *) target=$1 ;;
esac
sample=${DISTILL_SAMPLE:-musl-plugin}
case $sample in musl-plugin|debian-php) ;; *) die "DISTILL_SAMPLE must be musl-plugin or debian-php, got '$sample'" ;; esac

log "building (or reusing) the $sample fixture and pushing it to $target"
"$DISTILL_ROOT/fixtures/build.sh" "$sample" --push "$target" >/dev/null || die "fixtures/build.sh $sample failed"
log "pushed $target ($sample)"
