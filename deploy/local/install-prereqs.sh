#!/usr/bin/env bash
# -----------------------------------------------------------------------------
# Installs, from Debian 12's packages, what the local Distill stack and its tests
# need and a fresh machine may lack:
#   docker-registry skopeo umoci runc strace busybox-static curl jq unzip,
#   for fixtures/ (read by its scripts): musl-tools, musl-dev (libc.a for -static), binutils
#   (readelf, strip), gcc and libc6-dev (the host-tool tests compile C, also -static), file,
#   util-linux (flock, nsenter, setpriv), mount (umount, for the sandbox sweep), prometheus (with promtool: the local stack's metrics and the alert rules'
#   tests), nodejs and npm (deploy/schema-check; fixtures/debian-node installs its app's dependencies with npm), kubernetes-client (kubectl kustomize), and apt package
#   lists (debian-php resolves its packages from them),
#   for fixtures/conformance (the layer corpus) and the apt-built fixtures: libarchive-tools (bsdtar),
#   python3, attr and acl (setfattr, setfacl, getfattr), libcap2-bin (setcap), buildah, debootstrap,
#   chromium (headless, for the web UI's end-to-end test),
#   a JDK 17 (openjdk-17-jdk-headless) and, if there is no Maven at all, maven.
# Checks first; runs `apt-get update` once, and only if something is missing (or no package
# lists were ever fetched).
# As non-root it prints the apt-get line to run and exits 1.
#
# Usage: deploy/local/install-prereqs.sh [--check]
#   --check   only report what is missing (exit 1 if anything is)
# -----------------------------------------------------------------------------
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

check_only=false
case "${1:-}" in
  --check) check_only=true ;;
  "") ;;
  -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
  *) die "unknown argument: $1" ;;
esac

pkg_installed() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = installed ]
}

missing=()
need_cmd() { # need_cmd COMMAND PACKAGE
  if ! command -v "$1" >/dev/null 2>&1; then missing+=("$2"); fi
}

need_cmd docker-registry docker-registry
need_cmd skopeo skopeo
need_cmd umoci umoci
need_cmd runc runc
need_cmd strace strace
# The sample image copies busybox-static's binary; Debian's dynamic `busybox` would not do; fixtures/
# loader-truth.sh chroots with it (a dynamic chroot would obey LD_TRACE_LOADED_OBJECTS itself).
if ! pkg_installed busybox-static || [ ! -x /bin/busybox ]; then missing+=(busybox-static); fi
need_cmd curl curl
need_cmd jq jq
need_cmd unzip unzip
need_cmd od coreutils
need_cmd setsid util-linux
need_cmd flock util-linux
need_cmd nsenter util-linux
# The sandbox tests run a process as another user (setpriv); the sweep detaches leftover mounts (umount).
need_cmd setpriv util-linux
need_cmd umount mount
# Layer tests compress with the real tools; ELF tests compare with readelf and build test programs;
# fixtures/ builds musl programs (musl-gcc; musl-dev brings gcc).
need_cmd zstd zstd
need_cmd gzip gzip
need_cmd readelf binutils
need_cmd gcc gcc
# gcc only recommends libc6-dev (headers, libc.a): --no-install-recommends leaves a gcc that cannot compile.
pkg_installed libc6-dev || missing+=(libc6-dev)
need_cmd musl-gcc musl-tools
# static-hello links musl's libc.a; musl-plugin copies musl's libc.so as the Alpine loader.
pkg_installed musl-dev || missing+=(musl-dev)
need_cmd file file
# fixtures/conformance writes layers with every common tool and a source tree with xattrs, ACLs and
# capabilities; RootfsUnpacker applies extended attributes with setfattr; debian-apt-php and php-official
# are made with debootstrap and apt in a chroot.
need_cmd bsdtar libarchive-tools
[ -x /usr/bin/python3 ] || missing+=(python3)
need_cmd setfattr attr
# The verifier's layer trees (issue 15): overlay whiteouts with mknod, opaque directories with setfattr, the
# metacopy probe with getfattr, the containers' overlay rootfs with mount/umount.
need_cmd getfattr attr
need_cmd mknod coreutils
need_cmd mount mount
need_cmd umount mount
need_cmd setfacl acl
need_cmd setcap libcap2-bin
need_cmd buildah buildah
need_cmd debootstrap debootstrap
# The web UI's end-to-end test drives a real browser: Debian's chromium, headless.
need_cmd chromium chromium
# The local stack's metrics (prometheus.sh) and the alert rules' tests (promtool).
need_cmd prometheus prometheus
need_cmd promtool prometheus
# The offline schema checks of the dashboards and Kubernetes manifests (deploy/schema-check: node + npm's ajv).
need_cmd node nodejs
need_cmd npm npm
# kubectl's kustomize renders deploy/kubernetes for its test (Debian's kubectl 1.20 or any later one).
need_cmd kubectl kubernetes-client
# fixtures/debian-php resolves and downloads its packages with apt: it needs package lists.
have_apt_lists() { compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; }

# A JDK 17 or newer: javac for the build, java for the services and Kafka.
java_major() {
  java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n 1
}
if ! command -v javac >/dev/null 2>&1 || ! command -v java >/dev/null 2>&1; then
  missing+=(openjdk-17-jdk-headless)
else
  major=$(java_major)
  if [ -z "$major" ] || [ "${major%%.*}" -lt 17 ] 2>/dev/null; then
    missing+=(openjdk-17-jdk-headless)
  fi
fi

# ./mvnw bootstraps its pinned Maven with a system mvn when it has none yet.
if ! command -v mvn >/dev/null 2>&1 && [ ! -x "$HOME/.m2/wrapper/dists/apache-maven-3.9.9/bin/mvn" ]; then
  missing+=(maven)
fi

# The verifier service's unprivileged user (the sandbox runner, root, runs its containers: docs/security.md). A
# system account: useradd gives it no subordinate ids, which the sandboxes' id pool would otherwise read for this name.
if ! $check_only && is_root; then
  ensure_service_user
fi

if [ "${#missing[@]}" -eq 0 ]; then
  if have_apt_lists; then
    log "prerequisites: all present"
    exit 0
  fi
  if $check_only || ! is_root; then
    log "no apt package lists (fixtures/debian-php needs them). Run as root:"
    echo "apt-get update"
    exit 1
  fi
  log "no apt package lists (fixtures/debian-php needs them): apt-get update"
  apt-get -o DPkg::Lock::Timeout=300 update -q
  have_apt_lists || die "still no package lists in /var/lib/apt/lists after apt-get update"
  log "prerequisites: all present"
  exit 0
fi

apt_line="apt-get install -y --no-install-recommends ${missing[*]}"
if $check_only; then
  log "missing: ${missing[*]}"
  echo "$apt_line"
  exit 1
fi
if ! is_root; then
  log "missing: ${missing[*]}. Run as root:"
  echo "apt-get update && $apt_line"
  exit 1
fi
command -v apt-get >/dev/null 2>&1 || die "no apt-get: install by hand: ${missing[*]}"

log "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Keep package scripts from starting system services (docker-registry ships one that
# would take port 5000): a temporary policy-rc.d that forbids starts, unless one exists.
policy=/usr/sbin/policy-rc.d
made_policy=false
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# temporary, from distill deploy/local/install-prereqs.sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  made_policy=true
fi
cleanup() { if $made_policy; then rm -f "$policy"; fi; }
trap cleanup EXIT

apt-get -o DPkg::Lock::Timeout=300 update -q
apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${missing[@]}"

# Check again.
for c in docker-registry skopeo umoci runc strace curl jq unzip java javac readelf gcc musl-gcc file flock nsenter setpriv umount \
         bsdtar setfattr setfacl setcap buildah debootstrap chromium prometheus promtool node npm kubectl; do
  command -v "$c" >/dev/null 2>&1 || die "$c is still missing after apt-get install"
done
for p in libc6-dev musl-dev; do
  pkg_installed "$p" || die "$p is still missing after apt-get install"
done
have_apt_lists || die "no package lists in /var/lib/apt/lists after apt-get update"
[ -x /bin/busybox ] || die "/bin/busybox is still missing after apt-get install"
# skopeo needs a signature policy; Debian's containers-common provides it.
[ -f /etc/containers/policy.json ] || warn "/etc/containers/policy.json is missing (skopeo calls pass --insecure-policy)"
log "prerequisites installed"
