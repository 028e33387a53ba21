#!/usr/bin/env bash
# -----------------------------------------------------------------------------
# The release benchmark (issue 15, layer-level reuse): the debian-php fixture
# as tag 1, analysed and built (pushed onto the real distroless bases) with
# empty caches; then tag 2, the same image whose top layer (the app: configs,
# entrypoint, index.php) is rebuilt with a changed index.php, analysed and built
# with the caches tag 1 left; and tag 2 again without caches, for reference.
# All in one JVM, round by round, each round with empty caches and repositories
# of its own. Also the bytes the push of tag 2 uploaded. Not part of CI.
#
# With --verify each tag is also verified, as the pipeline does (runc, as root):
# tag 1 by a new verifier with an empty layer-tree store, tag 2 by the verifier
# and trees tag 1 left (its source is new, so it is run); the ratio is then of
# analysis + build + verification (issue 15 §2: <= 0.25x).
#
# Tag 2 is made with GNU tar, gzip, sha256sum and jq from the fixture's own
# layer directory: a new top layer blob, the config's last diffID and the
# manifest's last layer replaced, in a copy of the fixture's OCI layout.
#
# Usage: bench/release.sh [--rounds N] [--warmups K] [--verify] [--stays-up D]
#   --rounds N    timed rounds (default 3)
#   --warmups K   untimed rounds first (default 1), so tag 1 is not timed in a
#                 cold JVM (which would flatter the ratio)
#   --verify      verify each tag too (BENCH_JAVA_OPTS=-Ddistill.bench.layerTrees=false:
#                 full unpacks instead of layer trees); each verification's timeline
#                 (its steps in ms after its start, per side) is printed as a [bench] line
#   --stays-up D  the verifier's stays-up window (distill.verify.stays-up, default 3s), e.g. 1s:
#                 what the pipeline's own work costs apart from the configured evidence window
# Environment: DISTILL_FIXTURE_CACHE, BENCH_JAVA_OPTS.
# Needs root (the fixture), docker-registry, skopeo, GNU tar, gzip, jq; with
# --verify also runc, strace and nsenter.
# -----------------------------------------------------------------------------
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rounds=3; warmups=1; verify=false; stays_up=3s
while [ $# -gt 0 ]; do
  case "$1" in
    --verify) verify=true; shift ;;
    --rounds) rounds=$2; shift 2 ;;
    --warmups) warmups=$2; shift 2 ;;
    --stays-up) stays_up=$2; shift 2 ;;
    -h|--help) sed -n '2,35p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
for tool in tar gzip jq sha256sum java skopeo docker-registry; do
  command -v "$tool" >/dev/null || { echo "bench/release.sh needs $tool" >&2; exit 1; }
done
verify_opts=""
if $verify; then
  for tool in runc strace nsenter; do
    command -v "$tool" >/dev/null || { echo "bench/release.sh --verify needs $tool" >&2; exit 1; }
  done
  [ "$(id -u)" = 0 ] || { echo "bench/release.sh --verify runs containers with runc: run as root" >&2; exit 1; }
  verify_opts="-Ddistill.bench.verify=true -Ddistill.verify.stays-up=$stays_up"
fi
log() { echo "[bench] $*" >&2; }

log "building (or finding) the debian-php fixture"
out=$("$repo/fixtures/build.sh" debian-php)
layout=$(sed -n 's/^layout=//p' <<<"$out"); tag=$(sed -n 's/^tag=//p' <<<"$out")
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"
top=$(bench_top_layer_dir "$layout")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
log "making tag 2: $(basename "$top") rebuilt with a new index.php"
read -r layer_digest layer_size < <(bench_release_layout "$layout" "$tag" "$top" "$tmp" release-2 "Hello from release 2 of PHP")
log "tag 2: top layer $layer_digest ($layer_size bytes)"

cp=$(bench_classpath "$repo")
log "machine: $(nproc) cores, $(free -m | awk '/^Mem:/ {print $2}') MiB memory, $(java -version 2>&1 | head -1)"
# shellcheck disable=SC2086 # options split as given
java ${BENCH_JAVA_OPTS:-} $verify_opts -Ddistill.repo.root="$repo" -cp "$cp" dev.distill.engine.bench.ReleaseBenchmark \
  "$tmp/oci:$tag" "$tmp/oci:release-2" "$rounds" "$warmups"
