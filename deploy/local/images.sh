#!/usr/bin/env bash
# -----------------------------------------------------------------------------
# Builds the three services' own images with Jib (quarkus-container-image-jib, no
# Docker daemon) and pushes them: <registry>/distill/{analyzer-svc,builder-svc,verifier-svc}:<version>.
# They run on Distill's own bases, built first from Debian packages (bases.sh --java):
# analyzer and builder on distill/java17:nonroot (uid 65532), the verifier on
# distill/java17-runc:latest (root, with runc, strace, nsenter, curl and mkfifo).
#
# Usage: deploy/local/images.sh [REGISTRY]   (default 127.0.0.1:$REGISTRY_PORT; started when it is the local one)
# Prints one line per image: <service> <reference> <digest>; also kept in .state/images.txt.
# Environment: DISTILL_NO_BUILD=true lets bases.sh use the distill-engine jar already built.
# -----------------------------------------------------------------------------
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case "${1:-}" in -h|--help) sed -n '2,11p' "$0"; exit 0 ;; esac
TARGET=${1:-$REGISTRY_HOSTPORT}
LIST=$DISTILL_STATE_DIR/images.txt

if [ "$TARGET" = "$REGISTRY_HOSTPORT" ]; then
  "$DISTILL_LOCAL_DIR/registry.sh" start
fi
"$DISTILL_LOCAL_DIR/bases.sh" --java "$TARGET" >/dev/null

cd "$DISTILL_ROOT"
modules=$(IFS=,; echo "${DISTILL_SERVICES[*]}")
log "building and pushing the images of $modules to $TARGET with Jib"
# The application is packaged anew into target/jib-app, beside target/quarkus-app: services running from the latter
# (the local stack, the e2e tests) keep their jars.
mvnw -B -q package -DskipTests -pl "$modules" -am -Dquarkus.package.output-directory=jib-app \
  -Dquarkus.container-image.build=true -Dquarkus.container-image.push=true "-Ddistill.images.registry=$TARGET" \
  || die "the Jib build failed (see above)"

version=$(sed -n 's:^  <version>\(.*\)</version>:\1:p' "$DISTILL_ROOT/pom.xml" | head -n1)
ensure_state_dirs
: >"$LIST.tmp"
for svc in "${DISTILL_SERVICES[@]}"; do
  digest_file=$(ls -t "$DISTILL_ROOT/$svc"/target/jib-image.digest "$DISTILL_ROOT/$svc"/target/jib-app/jib-image.digest 2>/dev/null \
    | head -n1 || true)
  [ -n "$digest_file" ] && [ -s "$digest_file" ] || die "Jib wrote no jib-image.digest for $svc under $svc/target"
  printf '%s %s/distill/%s:%s %s\n' "$svc" "$TARGET" "$svc" "$version" "$(cat "$digest_file")" >>"$LIST.tmp"
done
mv "$LIST.tmp" "$LIST"
cat "$LIST"
