#!/usr/bin/env bash
# -----------------------------------------------------------------------------
# Builds Distill's distroless base images from Debian 12 packages and pushes
# them: <registry>/distill/{static,base,cc}:{latest,nonroot}, e.g.
# 127.0.0.1:5000/distill/cc:nonroot (dev.distill.engine.distroless.BuildBases).
#
# Usage: deploy/local/bases.sh [REGISTRY[/REPOSITORY]]   (default 127.0.0.1:$REGISTRY_PORT)
#        deploy/local/bases.sh --download-only   only fetch the .debs; prints debs=DIR and
#                                                one pin=NAME=VERSION line per package (for tests)
#
# The .debs (apt's candidate versions) are downloaded with `apt-get download`
# into $DISTILL_FIXTURE_CACHE/debs, the cache fixtures/ uses too (default
# fixtures/.cache). Idempotent: when the registry still has the six images this
# script last pushed from the same packages and engine sources, it only says so.
# Files: .state/bases/pushed.txt (what was pushed, and the inputs' key).
# -----------------------------------------------------------------------------
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

download_only=false
case "${1:-}" in
  -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
  --download-only) download_only=true; shift ;;
esac

# Listed by hand, as distroless lists them: no dependency resolution (DistrolessRecipe has the same list).
BASES_PACKAGES=(base-files netbase tzdata media-types ca-certificates libc6 libssl3
  gcc-12-base libgcc-s1 libgomp1 libstdc++6)
TARGET=${1:-$REGISTRY_HOSTPORT}
DISTILL_FIXTURE_CACHE=${DISTILL_FIXTURE_CACHE:-$DISTILL_ROOT/fixtures/.cache}
DEBS=$DISTILL_FIXTURE_CACHE/debs
STAMP=$DISTILL_STATE_DIR/bases/pushed.txt
rel() { printf '%s' "${1#"$DISTILL_ROOT"/}"; }

command -v apt-cache >/dev/null || die "bases.sh needs apt (Debian 12)"
$download_only || command -v java >/dev/null || die "bases.sh needs java 17 (deploy/local/install-prereqs.sh installs it)"

# name=version of apt's candidate of each package, in one apt-cache call.
mapfile -t PINS < <(apt-cache policy "${BASES_PACKAGES[@]}" \
  | awk '/^[^ ].*:$/ {name=substr($0, 1, length($0)-1); sub(/:amd64$|:arm64$/, "", name)}
         /^  Candidate:/ && $2 != "(none)" {print name "=" $2}')
[ "${#PINS[@]}" -eq "${#BASES_PACKAGES[@]}" ] \
  || die "apt has no candidate for some of ${BASES_PACKAGES[*]} (got: ${PINS[*]:-none}); run apt-get update"

mkdir -p "$DEBS"
missing=()
for nv in "${PINS[@]}"; do
  name=${nv%%=*}; ver=${nv#*=}
  compgen -G "$DEBS/${name}_${ver//:/%3a}_*.deb" >/dev/null || missing+=("$nv")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "downloading ${#missing[@]} packages into $DEBS: ${missing[*]}"
  (cd "$DEBS" && flock "$DEBS/.download.lock" apt-get download -q -o APT::Sandbox::User=root "${missing[@]}" >/dev/null) \
    || die "apt-get download ${missing[*]} failed"
fi

if $download_only; then
  echo "debs=$DEBS"
  printf 'pin=%s\n' "${PINS[@]}"
  exit 0
fi

# What the images are made of: target, package versions, the engine's sources and poms.
key=$( { printf '%s\n' "$TARGET" "${PINS[@]}"
         find "$DISTILL_ROOT/distill-engine/src/main" -type f -print0 | sort -z | xargs -0 sha256sum
         sha256sum "$DISTILL_ROOT/pom.xml" "$DISTILL_ROOT/distill-engine/pom.xml"; } | sha256sum | cut -c1-64)

# The registry's digest for REPOSITORY:TAG ('' when it has none); plain HTTP on loopback, HTTPS elsewhere.
registry_digest() {
  local host=${TARGET%%/*} scheme=https
  case $host in 127.*|localhost|localhost:*|\[::1\]*) scheme=http ;; esac
  curl -fsSI -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$scheme://$host/v2/$1/manifests/$2" 2>/dev/null \
    | tr -d '\r' | awk 'tolower($1) == "docker-content-digest:" {print $2}'
}

up_to_date() {
  [ -s "$STAMP" ] && [ "$(head -n1 "$STAMP")" = "key $key" ] || return 1
  local line ref digest images=0
  while read -r line; do
    set -- $line
    [ "$1" = pushed ] || continue
    ref=${2#*/}; digest=$3
    [ "$(registry_digest "${ref%:*}" "${ref##*:}")" = "$digest" ] || return 1
    images=$((images + 1))
  done <"$STAMP"
  [ "$images" -eq 6 ]
}

if up_to_date; then
  log "distroless bases are up to date in $TARGET ($(rel "$STAMP"))"
  grep '^pushed ' "$STAMP"
  exit 0
fi

cd "$DISTILL_ROOT"
cpfile=$DISTILL_ROOT/distill-engine/target/bases-classpath.txt
if [ "${DISTILL_NO_BUILD:-false}" = true ] && compgen -G "$DISTILL_ROOT/distill-engine/target/distill-engine-*.jar" >/dev/null; then
  log "using the distill-engine jar already built (DISTILL_NO_BUILD)"
else
  log "building distill-engine (mvnw package -DskipTests)"
  mvnw_offline_first -B -q -pl distill-engine -am package -DskipTests || die "could not build distill-engine"
fi
mvnw_offline_first -B -q -pl distill-engine "$MAVEN_DEPENDENCY_PLUGIN:build-classpath" -Dmdep.includeScope=runtime \
  "-Dmdep.outputFile=$cpfile" || die "could not resolve distill-engine's class path"
jar=$(ls "$DISTILL_ROOT"/distill-engine/target/distill-engine-*.jar | grep -v -e '-tests.jar$' -e '-sources.jar$' | head -n1)

log "building and pushing the bases to $TARGET"
out=$(mktemp); trap 'rm -f "$out"' EXIT
java -Xmx512m -XX:TieredStopAtLevel=1 -cp "$jar:$(cat "$cpfile")" dev.distill.engine.distroless.BuildBases \
  "$DEBS" "$TARGET" "${PINS[@]}" >"$out" || die "BuildBases failed (see above)"
mkdir -p "$(dirname "$STAMP")"
{ echo "key $key"; cat "$out"; } >"$STAMP"
grep -v '^omitted ' "$out"
log "$(grep -c '^omitted ' "$out" || true) package files not carried (device files, ca-certificates' tools): $(rel "$STAMP")"
