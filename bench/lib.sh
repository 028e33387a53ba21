# Shared by the bench/*.sh scripts that run a main class of distill-engine's test scope (sourced, not run).

# Compiles distill-engine and its test classes with the repository's Maven wrapper (offline first as a fast
# path, online when the local repository lacks something; never `mvn install`) and prints the class path:
# test classes, classes, and the test-scope dependencies.
bench_classpath() {
  local repo=$1 cpfile=$1/distill-engine/target/bench-classpath.txt
  # shellcheck source=../deploy/local/lib.sh
  source "$repo/deploy/local/lib.sh"
  echo "[bench] compiling distill-engine and its test classes" >&2
  mvnw_offline_first -B -q -pl distill-engine -am test-compile || return 1
  mvnw_offline_first -B -q -pl distill-engine "$MAVEN_DEPENDENCY_PLUGIN:build-classpath" -Dmdep.includeScope=test \
    -Dmdep.outputFile="$cpfile" || return 1
  printf '%s' "$repo/distill-engine/target/test-classes:$repo/distill-engine/target/classes:$(cat "$cpfile")"
}

# bench_release_layout LAYOUT TAG TOP_DIR WORK NAME TEXT: the next release of an image, as an app team makes one: a
# copy of the OCI layout LAYOUT in WORK/oci whose image TAG gets its top layer rebuilt (GNU tar, gzip) from the layer
# directory TOP_DIR with index.php saying TEXT; the config's last diffID and the manifest's last layer replaced (jq),
# tagged NAME in the copy. Prints "DIGEST SIZE" of the new top layer blob. Needs tar, gzip, sha256sum, jq.
bench_release_layout() {
  local layout=$1 tag=$2 top=$3 work=$4 name=$5 text=$6
  local diff_id layer_digest layer_size manifest config config_digest config_size manifest_digest manifest_size
  rm -rf "$work/oci" "$work/app"
  cp -a "$layout" "$work/oci"
  cp -a "$top" "$work/app"
  printf '<?php echo "%s " . PHP_VERSION . "\\n";\n' "$text" >"$work/app/var/www/html/index.php"
  tar --sort=name --format=posix --pax-option=delete=atime,delete=ctime --mtime=@0 --numeric-owner \
    -C "$work/app" -cf "$work/layer.tar" .
  diff_id=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
  gzip -n -6 -c "$work/layer.tar" >"$work/layer.tar.gz"
  rm -f "$work/layer.tar"
  read -r layer_digest layer_size < <(_bench_blob "$work" "$work/layer.tar.gz")
  manifest=$(jq -r --arg t "$tag" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t) | .digest' \
    "$work/oci/index.json")
  config=$(jq -r .config.digest "$work/oci/blobs/sha256/${manifest#sha256:}")
  jq -c --arg d "sha256:$diff_id" '.rootfs.diff_ids[-1] = $d' "$work/oci/blobs/sha256/${config#sha256:}" >"$work/config.json"
  read -r config_digest config_size < <(_bench_blob "$work" "$work/config.json")
  jq -c --arg cd "$config_digest" --argjson cs "$config_size" --arg ld "$layer_digest" --argjson ls "$layer_size" \
    '.config.digest = $cd | .config.size = $cs | .layers[-1].digest = $ld | .layers[-1].size = $ls
     | .layers[-1].mediaType = "application/vnd.oci.image.layer.v1.tar+gzip"' \
    "$work/oci/blobs/sha256/${manifest#sha256:}" >"$work/manifest.json"
  read -r manifest_digest manifest_size < <(_bench_blob "$work" "$work/manifest.json")
  jq --arg d "$manifest_digest" --argjson s "$manifest_size" --arg n "$name" \
    '.manifests += [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d, size: $s,
       annotations: {"org.opencontainers.image.ref.name": $n}}]' "$work/oci/index.json" >"$work/index.json"
  mv "$work/index.json" "$work/oci/index.json"
  echo "$layer_digest $layer_size"
}

# _bench_blob WORK FILE: moves FILE into WORK/oci's blobs, prints "DIGEST SIZE".
_bench_blob() {
  local hex size
  hex=$(sha256sum "$2" | cut -d' ' -f1); size=$(stat -c %s "$2")
  mv "$2" "$1/oci/blobs/sha256/$hex"
  echo "sha256:$hex $size"
}

# bench_top_layer_dir FIXTURE_LAYOUT: the fixture's top layer directory (fixtures/build.sh keeps them beside the layout).
bench_top_layer_dir() {
  local top
  top=$(find "$(dirname "$1")/layers" -mindepth 1 -maxdepth 1 -type d | sort | tail -1)
  [ -d "$top" ] || { echo "the fixture has no layer directories under $(dirname "$1")/layers" >&2; return 1; }
  echo "$top"
}
