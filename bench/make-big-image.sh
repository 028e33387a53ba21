#!/usr/bin/env bash
# -----------------------------------------------------------------------------
# Makes (once; then finds in its cache) a ~1 GB image for the heap goal of the
# analysis benchmark: the debian-php fixture's layers as they are, plus layers of
# copies of its real ELF libraries under other names, copies of its text files,
# two large ELF binaries, a large incompressible data file, and a last layer of
# whiteouts. Deterministic: fixed times, owners and order (GNU tar --sort=name,
# gzip -n), so the same inputs give the same digests.
#
# Usage: bench/make-big-image.sh      prints the OCI layout's directory (tag latest)
# Cache: $BENCH_CACHE (default /work/bench-cache if writable, else bench/.cache),
# keyed by this script and the fixture's key.
# -----------------------------------------------------------------------------
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log() { echo "[big-image] $*" >&2; }
for tool in jq gzip tar openssl sha256sum; do
  command -v "$tool" >/dev/null || { echo "bench/make-big-image.sh needs $tool" >&2; exit 1; }
done
default_cache=/work/bench-cache
{ mkdir -p "$default_cache" && [ -w "$default_cache" ]; } 2>/dev/null || default_cache=$repo/bench/.cache
cache=${BENCH_CACHE:-$default_cache}

out=$("$repo/fixtures/build.sh" debian-php)
rootfs=$(sed -n 's/^rootfs=//p' <<<"$out"); base=$(sed -n 's/^layout=//p' <<<"$out")
base_tag=$(sed -n 's/^tag=//p' <<<"$out"); fixture_key=$(sed -n 's/^key=//p' <<<"$out")
key=$( { sha256sum <"${BASH_SOURCE[0]}"; echo "$fixture_key"; } | sha256sum | cut -c1-16)
dir=$cache/big-$key
if [ -f "$dir/done" ]; then
  echo "$dir/oci"; exit 0
fi
log "making the ~1 GB image in $dir (about 2 minutes)"
started=$(date +%s)
rm -rf "$dir"; mkdir -p "$dir/oci/blobs/sha256" "$dir/work"
epoch=1700000000

# The base image's manifest and config; its layers are reused as they are.
base_manifest=$(jq -r --arg t "$base_tag" \
  '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t) | .digest | sub("sha256:"; "")' \
  "$base/index.json")
manifest_json=$(cat "$base/blobs/sha256/$base_manifest")
config_json=$(cat "$base/blobs/sha256/$(jq -r '.config.digest | sub("sha256:"; "")' <<<"$manifest_json")")
for b in $(jq -r '.layers[].digest | sub("sha256:"; "")' <<<"$manifest_json"); do
  cp "$base/blobs/sha256/$b" "$dir/oci/blobs/sha256/$b"
done

# add_layer DIR: one tar+gzip layer of DIR's content; appends to the manifest and the config's diff_ids.
add_layer() {
  local src=$1 tmp=$dir/work/layer.tar.gz diff digest size
  diff=$(tar -C "$src" --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner --format=gnu -cf - . \
    | tee >(gzip -n -6 >"$tmp") | sha256sum | cut -c1-64)
  wait
  digest=$(sha256sum <"$tmp" | cut -c1-64); size=$(stat -c %s "$tmp")
  mv "$tmp" "$dir/oci/blobs/sha256/$digest"
  manifest_json=$(jq -c --arg d "sha256:$digest" --argjson s "$size" \
    '.layers += [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": $d, "size": $s}]' <<<"$manifest_json")
  config_json=$(jq -c --arg d "sha256:$diff" '.rootfs.diff_ids += [$d]' <<<"$config_json")
  log "layer $(basename "$src"): $(du -sb "$src" | cut -f1) bytes of files, $size bytes compressed"
  rm -rf "$src"
}

# Layer: three copies of every shared library of the fixture, renamed (~290 MB).
mapfile -t libs < <(cd "$rootfs" && find . -type f -name '*.so*' | LC_ALL=C sort)
for copy in 1 2 3; do
  for lib in "${libs[@]}"; do
    name=$(basename "$lib"); target=$dir/work/copies/opt/bench/copies/$copy/$(dirname "${lib#./}")
    mkdir -p "$target"; cp "$rootfs/$lib" "$target/c$copy-$name"
  done
done
add_layer "$dir/work/copies"

# Layer: four copies of /usr/share (text, mostly: ~195 MB).
for copy in 1 2 3 4; do
  mkdir -p "$dir/work/text/opt/bench/share"
  cp -a "$rootfs/usr/share" "$dir/work/text/opt/bench/share/$copy"
done
add_layer "$dir/work/text"

# Layer: two large ELF programs (php-fpm with 120 and 160 MB appended: still valid ELF files, parsed whole) and
# 100 MB of incompressible data (AES-CTR of zeros under a fixed key).
mkdir -p "$dir/work/big/opt/bench/bin"
for mb in 120 160; do
  f=$dir/work/big/opt/bench/bin/php-fpm-$mb
  cp "$rootfs/usr/sbin/php-fpm8.2" "$f"
  (set +o pipefail; for lib in "${libs[@]}" "${libs[@]}"; do cat "$rootfs/$lib"; done 2>/dev/null | head -c $((mb << 20))) >>"$f"
done
(set +o pipefail; openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f -iv 00000000000000000000000000000000 \
  </dev/zero 2>/dev/null | head -c $((100 << 20))) >"$dir/work/big/opt/bench/random.bin"
add_layer "$dir/work/big"

# Layer: whiteouts (the third copy of the libraries goes away) and a replaced file.
mkdir -p "$dir/work/whiteouts/opt/bench/copies" "$dir/work/whiteouts/opt/bench/bin"
: >"$dir/work/whiteouts/opt/bench/copies/.wh.3"
echo "replaced" >"$dir/work/whiteouts/opt/bench/bin/php-fpm-120"
add_layer "$dir/work/whiteouts"

# The layout: config, manifest, index.
config_digest=$(printf '%s' "$config_json" | sha256sum | cut -c1-64)
printf '%s' "$config_json" >"$dir/oci/blobs/sha256/$config_digest"
manifest_json=$(jq -c --arg d "sha256:$config_digest" --argjson s "$(printf '%s' "$config_json" | wc -c)" \
  '.config.digest = $d | .config.size = $s' <<<"$manifest_json")
manifest_digest=$(printf '%s' "$manifest_json" | sha256sum | cut -c1-64)
printf '%s' "$manifest_json" >"$dir/oci/blobs/sha256/$manifest_digest"
printf '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci/oci-layout"
jq -nc --arg d "sha256:$manifest_digest" --argjson s "$(printf '%s' "$manifest_json" | wc -c)" \
  '{"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": $d,
    "size": $s, "annotations": {"org.opencontainers.image.ref.name": "latest"}}]}' >"$dir/oci/index.json"
rm -rf "$dir/work"
touch "$dir/done"
log "done in $(( $(date +%s) - started )) s: $(du -sb "$dir/oci/blobs" | cut -f1) bytes of blobs"
echo "$dir/oci"
