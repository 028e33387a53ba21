#!/usr/bin/env bash
# -----------------------------------------------------------------------------
# Builds Distill's small "fat" sample image without Docker and pushes it.
#
# The image: Debian's static busybox as /bin/busybox, /bin/sh -> busybox,
# a trivial /app/entrypoint.sh (#!/bin/sh + exec "$@"), a page in /srv/www and
#   ENTRYPOINT ["/app/entrypoint.sh"]
#   CMD ["/bin/busybox","httpd","-f","-p","8080","-h","/srv/www"]
#   EXPOSE 8080/tcp, USER 65534
# It is built with umoci in an OCI layout under .state/sample/oci (cached: it is
# rebuilt only when this script or the busybox-static package changes), then
# copied with skopeo to the registry.
#
# Usage: deploy/local/sample-image.sh [TARGET_REF]
#   TARGET_REF   default 127.0.0.1:$REGISTRY_PORT/demo/app:1 (plain HTTP is allowed)
#   --build-only build (or reuse) the layout and print `oci:<layout>:<tag>`, push nothing
# Environment: REGISTRY_PORT (5000), SAMPLE_IMAGE_FORMAT (oci | v2s2; default oci:
#   the manifest type pushed), SAMPLE_IMAGE_REBUILD=true forces a rebuild.
# -----------------------------------------------------------------------------
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

build_only=false
target="127.0.0.1:$REGISTRY_PORT/demo/app:1"
case "${1:-}" in
  --build-only) build_only=true ;;
  -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
  -*) die "unknown option: $1" ;;
  "") ;;
  *) target=$1 ;;
esac

for c in umoci skopeo; do
  command -v "$c" >/dev/null 2>&1 || die "$c is not installed (deploy/local/install-prereqs.sh)"
done
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] && dpkg-query -W busybox-static >/dev/null 2>&1 \
  || die "Debian's busybox-static is not installed (deploy/local/install-prereqs.sh)"
file_is_static() { ! grep -q 'ld-linux' <(head -c 4096 "$1" | tr -c '[:print:]' '\n'); }
file_is_static "$BUSYBOX" || die "$BUSYBOX is not the static busybox"

SAMPLE_DIR="$DISTILL_STATE_DIR/sample"
LAYOUT="$SAMPLE_DIR/oci"
TAG=app-1
STAMP="$SAMPLE_DIR/stamp"

# What the image is made from: this script and the busybox-static package.
inputs_id() {
  { sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1
    dpkg-query -W -f='${Package} ${Version}\n' busybox-static
    sha256sum "$BUSYBOX" | cut -d' ' -f1
  } | sha256sum | cut -d' ' -f1
}

build_layout() {
  local bundle rootfs umoci_opts=()
  is_root || umoci_opts=(--rootless)
  log "building the sample image in $LAYOUT"
  rm -rf "$LAYOUT" "$SAMPLE_DIR/bundle"
  mkdir -p "$SAMPLE_DIR"
  bundle="$SAMPLE_DIR/bundle"
  umoci init --layout "$LAYOUT"
  umoci new --image "$LAYOUT:$TAG"
  umoci unpack "${umoci_opts[@]}" --image "$LAYOUT:$TAG" "$bundle" >/dev/null
  rootfs="$bundle/rootfs"

  install -d -m 0755 "$rootfs/bin" "$rootfs/app" "$rootfs/srv/www" "$rootfs/etc"
  install -d -m 1777 "$rootfs/tmp"
  install -m 0755 "$BUSYBOX" "$rootfs/bin/busybox"
  ln -s busybox "$rootfs/bin/sh"
  printf '#!/bin/sh\nexec "$@"\n' >"$rootfs/app/entrypoint.sh"
  chmod 0755 "$rootfs/app/entrypoint.sh"
  cat >"$rootfs/srv/www/index.html" <<'EOF'
<!doctype html>
<html><head><meta charset="utf-8"><title>Distill sample</title></head>
<body><h1>Hello from the Distill sample image</h1><p>Served by busybox httpd.</p></body></html>
EOF
  chmod 0644 "$rootfs/srv/www/index.html"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
  chmod 0644 "$rootfs/etc/passwd" "$rootfs/etc/group"

  umoci repack --image "$LAYOUT:$TAG" \
    --history.created_by 'deploy/local/sample-image.sh: busybox-static, entrypoint.sh, /srv/www' "$bundle"
  umoci config --image "$LAYOUT:$TAG" \
    --architecture amd64 --os linux \
    --config.entrypoint /app/entrypoint.sh \
    --config.cmd /bin/busybox --config.cmd httpd --config.cmd -f --config.cmd -p \
    --config.cmd 8080 --config.cmd -h --config.cmd /srv/www \
    --config.exposedports 8080/tcp \
    --config.user 65534 \
    --config.workingdir / \
    --config.env PATH=/bin \
    --config.label org.opencontainers.image.title=distill-sample \
    --history.created_by 'deploy/local/sample-image.sh: config'
  umoci gc --layout "$LAYOUT"
  rm -rf "$bundle"
  inputs_id >"$STAMP"
}

if [ "${SAMPLE_IMAGE_REBUILD:-false}" = true ] || [ ! -s "$STAMP" ] || [ "$(cat "$STAMP")" != "$(inputs_id)" ] \
  || ! umoci stat --image "$LAYOUT:$TAG" >/dev/null 2>&1; then
  build_layout
else
  log "reusing the cached sample image in $LAYOUT"
fi

if $build_only; then
  echo "oci:$LAYOUT:$TAG"
  exit 0
fi

format=()
case "${SAMPLE_IMAGE_FORMAT:-oci}" in
  oci) format=(--format oci) ;;
  v2s2) format=(--format v2s2) ;;
  *) die "SAMPLE_IMAGE_FORMAT must be oci or v2s2" ;;
esac

log "pushing the sample image to $target"
skopeo --insecure-policy copy --quiet "${format[@]}" --dest-tls-verify=false \
  "oci:$LAYOUT:$TAG" "docker://$target"
digest=$(skopeo --insecure-policy inspect --tls-verify=false --format '{{.Digest}}' "docker://$target" 2>/dev/null || true)
log "pushed $target${digest:+ ($digest)}"
