#!/usr/bin/env bash
# -----------------------------------------------------------------------------
# Builds Distill's distroless base images from Debian 12 packages and pushes
# them: <registry>/distill/{static,base,cc}:{latest,nonroot}, e.g.
# 127.0.0.1:5000/distill/cc:nonroot (dev.distill.engine.distroless.BuildBases).
#
# Usage: deploy/local/bases.sh [--java] [REGISTRY[/REPOSITORY]]   (default 127.0.0.1:$REGISTRY_PORT)
#        deploy/local/bases.sh [--java] --download-only   only fetch the .debs; prints debs=DIR and
#                                                one pin=NAME=VERSION line per package (for tests)
#   --java  also build Distill's Java base on the cc base: <registry>/distill/java17:{latest,nonroot}
#           (openjdk-17-jre-headless and the library files its ELF closure needs), and the verifier's
#           base on it: <registry>/distill/java17-runc:latest (runc, strace, nsenter, curl, mkfifo and
#           their closures) (BuildJavaBase). The services' own images (deploy/local/images.sh) use them.
#
# The .debs (apt's candidate versions) are downloaded with `apt-get download`
# into $DISTILL_FIXTURE_CACHE/debs, the cache fixtures/ uses too (default
# fixtures/.cache). Idempotent: when the registry still has the six images this
# script last pushed from the same packages and engine sources, it only says so.
# Files: .state/bases/pushed.txt and java-pushed.txt (what was pushed, and the inputs' key).
# -----------------------------------------------------------------------------
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

download_only=false
java=false
while [ $# -gt 0 ]; do
  case $1 in
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    --download-only) download_only=true; shift ;;
    --java) java=true; shift ;;
    *) break ;;
  esac
done

# Listed by hand, as distroless lists them: no dependency resolution (DistrolessRecipe has the same list).
BASES_PACKAGES=(base-files netbase tzdata media-types ca-certificates libc6 libssl3
  gcc-12-base libgcc-s1 libgomp1 libstdc++6)
# The Java base's runtime and the packages its closure may take libraries from (JavaRuntimeRecipe has the same
# list), then the verifier's tools and theirs (VerifierToolsRecipe).
JAVA_PACKAGES=(openjdk-17-jre-headless libc-bin zlib1g libjpeg62-turbo liblcms2-2 libfreetype6 libpng16-16 libbrotli1
  libharfbuzz0b libglib2.0-0 libgraphite2-3 libpcre2-8-0 libasound2 libpcsclite1
  runc strace util-linux curl coreutils libseccomp2 libunwind8 liblzma5 libselinux1 libcurl4 libnghttp2-14 libidn2-0
  libunistring2 librtmp1 libgnutls30 libhogweed6 libnettle8 libgmp10 libtasn1-6 libp11-kit0 libffi8 libssh2-1 libpsl5
  libgssapi-krb5-2 libkrb5-3 libk5crypto3 libkrb5support0 libcom-err2 libkeyutils1 libldap-2.5-0 libsasl2-2 libzstd1)
ALL_PACKAGES=("${BASES_PACKAGES[@]}")
$java && ALL_PACKAGES+=("${JAVA_PACKAGES[@]}")
TARGET=${1:-$REGISTRY_HOSTPORT}
DISTILL_FIXTURE_CACHE=${DISTILL_FIXTURE_CACHE:-$DISTILL_ROOT/fixtures/.cache}
DEBS=$DISTILL_FIXTURE_CACHE/debs
STAMP=$DISTILL_STATE_DIR/bases/pushed.txt
rel() { printf '%s' "${1#"$DISTILL_ROOT"/}"; }

command -v apt-cache >/dev/null || die "bases.sh needs apt (Debian 12)"
$download_only || command -v java >/dev/null || die "bases.sh needs java 17 (deploy/local/install-prereqs.sh installs it)"

# name=version of apt's candidate of each package, in one apt-cache call.
mapfile -t PINS < <(apt-cache policy "${ALL_PACKAGES[@]}" \
  | awk '/^[^ ].*:$/ {name=substr($0, 1, length($0)-1); sub(/:amd64$|:arm64$/, "", name)}
         /^  Candidate:/ && $2 != "(none)" {print name "=" $2}')
[ "${#PINS[@]}" -eq "${#ALL_PACKAGES[@]}" ] \
  || die "apt has no candidate for some of ${ALL_PACKAGES[*]} (got: ${PINS[*]:-none}); run apt-get update"

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
BASE_PINS=("${PINS[@]:0:${#BASES_PACKAGES[@]}}")
key=$( { printf '%s\n' "$TARGET" "${BASE_PINS[@]}"
         find "$DISTILL_ROOT/distill-engine/src/main" -type f -print0 | sort -z | xargs -0 sha256sum
         sha256sum "$DISTILL_ROOT/pom.xml" "$DISTILL_ROOT/distill-engine/pom.xml"; } | sha256sum | cut -c1-64)
# The Java base: the same, plus its own packages.
java_key=$(printf '%s\n' "$key" "${PINS[@]}" | sha256sum | cut -c1-64)
JAVA_STAMP=$DISTILL_STATE_DIR/bases/java-pushed.txt

# The registry's digest for REPOSITORY:TAG ('' when it has none); plain HTTP on loopback, HTTPS elsewhere.
registry_digest() {
  local host=${TARGET%%/*} scheme=https
  case $host in 127.*|localhost|localhost:*|\[::1\]*) scheme=http ;; esac
  curl -fsSI -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$scheme://$host/v2/$1/manifests/$2" 2>/dev/null \
    | tr -d '\r' | awk 'tolower($1) == "docker-content-digest:" {print $2}'
}

# up_to_date STAMP KEY COUNT: the stamp was written for KEY and the registry still has its COUNT images.
up_to_date() {
  local stamp=$1 want=$2 count=$3 line ref digest images=0
  [ -s "$stamp" ] && [ "$(head -n1 "$stamp")" = "key $want" ] || return 1
  while read -r line; do
    set -- $line
    [ "$1" = pushed ] || continue
    ref=${2#*/}; digest=$3
    [ "$(registry_digest "${ref%:*}" "${ref##*:}")" = "$digest" ] || return 1
    images=$((images + 1))
  done <"$stamp"
  [ "$images" -eq "$count" ]
}

jar=
cpfile=$DISTILL_ROOT/distill-engine/target/bases-classpath.txt
# engine_classpath: the distill-engine jar (built unless DISTILL_NO_BUILD finds one) and its runtime class path.
engine_classpath() {
  [ -n "$jar" ] && return 0
  cd "$DISTILL_ROOT"
  if [ "${DISTILL_NO_BUILD:-false}" = true ] && compgen -G "$DISTILL_ROOT/distill-engine/target/distill-engine-*.jar" >/dev/null; then
    log "using the distill-engine jar already built (DISTILL_NO_BUILD)"
  else
    log "building distill-engine (mvnw package -DskipTests)"
    mvnw_offline_first -B -q -pl distill-engine -am package -DskipTests || die "could not build distill-engine"
  fi
  mvnw_offline_first -B -q -pl distill-engine "$MAVEN_DEPENDENCY_PLUGIN:build-classpath" -Dmdep.includeScope=runtime \
    "-Dmdep.outputFile=$cpfile" || die "could not resolve distill-engine's class path"
  jar=$(ls "$DISTILL_ROOT"/distill-engine/target/distill-engine-*.jar | grep -v -e '-tests.jar$' -e '-sources.jar$' | head -n1)
}

out=$(mktemp); trap 'rm -f "$out"' EXIT
mkdir -p "$(dirname "$STAMP")"
if up_to_date "$STAMP" "$key" 6; then
  log "distroless bases are up to date in $TARGET ($(rel "$STAMP"))"
  grep '^pushed ' "$STAMP"
else
  engine_classpath
  log "building and pushing the bases to $TARGET"
  java -Xmx512m -XX:TieredStopAtLevel=1 -cp "$jar:$(cat "$cpfile")" dev.distill.engine.distroless.BuildBases \
    "$DEBS" "$TARGET" "${BASE_PINS[@]}" >"$out" || die "BuildBases failed (see above)"
  { echo "key $key"; cat "$out"; } >"$STAMP"
  grep -v '^omitted ' "$out"
  log "$(grep -c '^omitted ' "$out" || true) package files not carried (device files, ca-certificates' tools): $(rel "$STAMP")"
fi

$java || exit 0
if up_to_date "$JAVA_STAMP" "$java_key" 3; then
  log "the Java base is up to date in $TARGET ($(rel "$JAVA_STAMP"))"
  grep '^pushed ' "$JAVA_STAMP"
  exit 0
fi
engine_classpath
log "building and pushing the Java base to $TARGET (openjdk-17-jre-headless on cc)"
# The runtime package is some 200 MB unpacked, held in memory while its layer is written.
java -Xmx1200m -XX:TieredStopAtLevel=1 -cp "$jar:$(cat "$cpfile")" dev.distill.engine.distroless.BuildJavaBase \
  "$DEBS" "$TARGET" "${PINS[@]}" >"$out" || die "BuildJavaBase failed (see above)"
{ echo "key $java_key"; cat "$out"; } >"$JAVA_STAMP"
grep -e '^pushed ' -e '^packages ' -e '^unused ' -e '^certificates ' "$out"
log "$(grep -c '^library ' "$out" || true) library packages contributed files; details in $(rel "$JAVA_STAMP")"
