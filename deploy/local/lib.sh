# shellcheck shell=bash
# -----------------------------------------------------------------------------
# Shared settings and helpers of the local Distill stack (deploy/local/*.sh).
# Sourced, never run. Every setting can be overridden from the environment;
# this is the one place where ports, paths and the services' environment live.
# -----------------------------------------------------------------------------

# Paths --------------------------------------------------------------------------
DISTILL_LOCAL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
DISTILL_ROOT="$(cd "$DISTILL_LOCAL_DIR/../.." && pwd -P)"
# Everything the stack writes (data, logs, pid files) lives here; git ignores it.
DISTILL_STATE_DIR="${DISTILL_STATE_DIR:-$DISTILL_LOCAL_DIR/.state}"
case $DISTILL_STATE_DIR in /*) ;; *) DISTILL_STATE_DIR="$PWD/$DISTILL_STATE_DIR" ;; esac
DISTILL_LOG_DIR="$DISTILL_STATE_DIR/logs"
DISTILL_PID_DIR="$DISTILL_STATE_DIR/pids"

# Ports (all on 127.0.0.1) -------------------------------------------------------
# DISTILL_PORT_OFFSET shifts every default port, for a second stack beside the first on one machine (with its
# own DISTILL_STATE_DIR), e.g. 1000: Kafka 10092, registry 6000, services 9080-9082, Prometheus 10090.
DISTILL_PORT_OFFSET="${DISTILL_PORT_OFFSET:-0}"
KAFKA_PORT="${KAFKA_PORT:-$((9092 + DISTILL_PORT_OFFSET))}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((9093 + DISTILL_PORT_OFFSET))}"
REGISTRY_PORT="${REGISTRY_PORT:-$((5000 + DISTILL_PORT_OFFSET))}"
ANALYZER_PORT="${ANALYZER_PORT:-$((8080 + DISTILL_PORT_OFFSET))}"
BUILDER_PORT="${BUILDER_PORT:-$((8081 + DISTILL_PORT_OFFSET))}"
VERIFIER_PORT="${VERIFIER_PORT:-$((8082 + DISTILL_PORT_OFFSET))}"
PROMETHEUS_PORT="${PROMETHEUS_PORT:-$((9090 + DISTILL_PORT_OFFSET))}"

KAFKA_BOOTSTRAP="127.0.0.1:$KAFKA_PORT"
REGISTRY_HOSTPORT="127.0.0.1:$REGISTRY_PORT"
# The analyzer hosts the registry webhook.
DISTILL_WEBHOOK_URL="${DISTILL_WEBHOOK_URL:-http://127.0.0.1:$ANALYZER_PORT/api/registry/events}"

# Services, in start order. Heap of each service JVM.
DISTILL_SERVICES=(analyzer-svc builder-svc verifier-svc)
DISTILL_SERVICE_XMX="${DISTILL_SERVICE_XMX:-384m}"
KAFKA_HEAP="${KAFKA_HEAP:-512m}"
# Seconds to wait for a service's /q/health/ready.
DISTILL_READY_TIMEOUT="${DISTILL_READY_TIMEOUT:-120}"
# Seconds between TERM and KILL when stopping a process.
DISTILL_STOP_GRACE="${DISTILL_STOP_GRACE:-15}"

# The verifier's privileges (docs/security.md, "The verifier's own privileges"). With "socket" (the default, jar
# mode) the sandbox runner, a small root process, runs the containers and the verifier service runs as the
# unprivileged DISTILL_SERVICE_USER (made by install-prereqs.sh, or here when missing); "in-process" runs the
# verifier as root, running them itself. The images mode (up.sh --images) always runs it in process.
DISTILL_VERIFY_RUNNER="${DISTILL_VERIFY_RUNNER:-socket}"
DISTILL_SERVICE_USER="${DISTILL_SERVICE_USER:-distill}"

# Output ---------------------------------------------------------------------------
log()  { printf '[distill-local] %s\n' "$*" >&2; }
warn() { printf '[distill-local] WARNING: %s\n' "$*" >&2; }
die()  { printf '[distill-local] ERROR: %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }

ensure_state_dirs() {
  mkdir -p "$DISTILL_STATE_DIR" "$DISTILL_LOG_DIR" "$DISTILL_PID_DIR"
}

# Webhook secret shared by the registry (Authorization header) and the analyzer:
# DISTILL_WEBHOOK_SECRET, or one generated once and kept in .state/webhook-secret.
webhook_secret() {
  if [ -n "${DISTILL_WEBHOOK_SECRET:-}" ]; then
    printf '%s' "$DISTILL_WEBHOOK_SECRET"
    return
  fi
  local f="$DISTILL_STATE_DIR/webhook-secret"
  if [ ! -s "$f" ]; then
    ensure_state_dirs
    (umask 077 && od -An -N24 -tx1 /dev/urandom | tr -d ' \n' >"$f.tmp" && mv "$f.tmp" "$f")
  fi
  tr -d '\n' <"$f"
}

# Tokens of the user API, NAME:SCOPES: generated once into .state/api-tokens/NAME (like the webhook secret); the
# analyzer gets only their SHA-256. DISTILL_API_AUTH=off runs the API without checks instead (up.sh says so).
DISTILL_API_TOKENS=(reader:read operator:read,write)
api_auth_off() { [ "${DISTILL_API_AUTH:-on}" = off ]; }

api_token_file() { printf '%s/api-tokens/%s' "$DISTILL_STATE_DIR" "$1"; }

# api_token NAME: the token, generated once.
api_token() {
  local f
  f=$(api_token_file "$1")
  if [ ! -s "$f" ]; then
    ensure_state_dirs
    (umask 077 && mkdir -p "$(dirname "$f")" && od -An -N24 -tx1 /dev/urandom | tr -d ' \n' >"$f.tmp" && mv "$f.tmp" "$f")
  fi
  tr -d '\n' <"$f"
}

# The analyzer's access settings as NAME=VALUE lines: each token's SHA-256 and scopes, or checks off.
api_auth_env() {
  if api_auth_off; then
    echo "DISTILL_API_AUTH_ENABLED=false"
    return
  fi
  local entry name scopes upper
  for entry in "${DISTILL_API_TOKENS[@]}"; do
    name=${entry%%:*}
    scopes=${entry#*:}
    upper=$(printf '%s' "$name" | tr '[:lower:]' '[:upper:]')
    echo "DISTILL_API_AUTH_TOKENS_${upper}_SHA256=$(api_token "$name" | sha256sum | cut -d' ' -f1)"
    echo "DISTILL_API_AUTH_TOKENS_${upper}_SCOPES=$scopes"
  done
}

# The Maven wrapper of the repository. DISTILL_MAVEN_REPO_LOCAL, when set, is the local repository of every
# Maven call these scripts make (.ci/run points it at an empty directory: what a fresh machine has).
mvnw() { "$DISTILL_ROOT/mvnw" ${DISTILL_MAVEN_REPO_LOCAL:+"-Dmaven.repo.local=$DISTILL_MAVEN_REPO_LOCAL"} "$@"; }
# Plugins the scripts invoke by goal are named with a pinned version: a bare prefix (`dependency:`) is looked
# up in the local repository's metadata, which a fresh machine lacks (and offline mode cannot fetch).
MAVEN_DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1
# mvnw_offline_first ARGS...: offline is only a fast path; whatever the local repository lacks is fetched.
mvnw_offline_first() {
  mvnw -o "$@" >/dev/null 2>&1 && return 0
  log "offline Maven was not enough (${*: -1}); resolving online"
  mvnw "$@" >&2
}

# Ports and HTTP -----------------------------------------------------------------
# True if something accepts TCP connections on 127.0.0.1:$1.
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# HTTP status of a GET (000 when nothing answers).
http_status() {
  curl -s -o /dev/null -m 5 -w '%{http_code}' "$1" 2>/dev/null || true
}

# wait_http URL TIMEOUT_SECONDS [PIDFILE]: wait for a 200; fails early if the
# process in PIDFILE dies.
wait_http_200() {
  local url=$1 timeout=$2 pidfile=${3:-} deadline code
  deadline=$((SECONDS + timeout))
  while :; do
    code=$(http_status "$url")
    [ "$code" = 200 ] && return 0
    if [ -n "$pidfile" ] && ! pid_alive "$pidfile"; then
      warn "process of $pidfile exited while waiting for $url"
      return 1
    fi
    [ "$SECONDS" -ge "$deadline" ] && { warn "$url: no 200 within ${timeout}s (last status $code)"; return 1; }
    sleep 1
  done
}

# Processes -------------------------------------------------------------------------
pidfile_of() { printf '%s/%s.pid' "$DISTILL_PID_DIR" "$1"; }
logfile_of() { printf '%s/%s.log' "$DISTILL_LOG_DIR" "$1"; }

# Start time (clock ticks since boot) of a process, from /proc: with the PID it
# identifies the process, so a stale pid file never matches a reused PID.
proc_starttime() {
  [ -r "/proc/$1/stat" ] || return 1
  sed 's/^.*) //' "/proc/$1/stat" | cut -d' ' -f20
}

# True if the process recorded in a pid file still runs (not a zombie, same start time).
pid_alive() {
  local pidfile=$1 pid state
  [ -s "$pidfile" ] || return 1
  pid=$(tr -dc '0-9' <"$pidfile")
  [ -n "$pid" ] && [ "$pid" -gt 1 ] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [ -r "/proc/$pid/stat" ]; then
    state=$(sed 's/^.*) //' "/proc/$pid/stat" | cut -d' ' -f1)
    [ "$state" != Z ] || return 1
    # start_bg records the start time next to the PID; without a match it is not ours.
    [ -s "$pidfile.start" ] && [ "$(proc_starttime "$pid")" = "$(cat "$pidfile.start")" ] || return 1
  fi
  return 0
}

pid_of() { tr -dc '0-9' <"$1"; }

# start_failed NAME MESSAGE: a process started with start_bg did not come up: show the end of its log, stop it, fail.
start_failed() {
  echo "----- last 40 lines of $(logfile_of "$1") -----" >&2
  tail -n 40 "$(logfile_of "$1")" >&2 || true
  stop_pidfile "$1" 5
  die "$2"
}

# start_bg NAME LOGFILE CMD...: run CMD detached (own session, stdin closed,
# stdout+stderr appended to LOGFILE) and record its PID in pids/NAME.pid.
# The extra environment for CMD is taken from the caller (use `env` in CMD).
start_bg() {
  local name=$1 logfile=$2 pidfile
  shift 2
  pidfile=$(pidfile_of "$name")
  ensure_state_dirs
  mkdir -p "$(dirname "$logfile")"
  rm -f "$pidfile" "$pidfile.start"
  printf '\n===== %s: starting %s =====\n' "$(date -u +%FT%TZ)" "$name" >>"$logfile"
  # The inner shell writes its own PID, then execs the command: the PID stays the same.
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" </dev/null >>"$logfile" 2>&1 &
  local i
  for i in $(seq 1 50); do
    if [ -s "$pidfile" ]; then
      proc_starttime "$(pid_of "$pidfile")" >"$pidfile.start" 2>/dev/null || rm -f "$pidfile.start"
      return 0
    fi
    sleep 0.1
  done
  die "could not start $name (see $logfile)"
}

# stop_pidfile NAME [GRACE_SECONDS]: TERM, then KILL after the grace period. Idempotent.
stop_pidfile() {
  local name=$1 grace=${2:-$DISTILL_STOP_GRACE} pidfile pid i
  pidfile=$(pidfile_of "$name")
  if ! pid_alive "$pidfile"; then
    rm -f "$pidfile" "$pidfile.start"
    return 0
  fi
  pid=$(pid_of "$pidfile")
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do
    pid_alive "$pidfile" || break
    sleep 0.1
  done
  if pid_alive "$pidfile"; then
    warn "$name (pid $pid) did not stop within ${grace}s: sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      pid_alive "$pidfile" || break
      sleep 0.1
    done
  fi
  rm -f "$pidfile" "$pidfile.start"
}

# Services -------------------------------------------------------------------------
svc_port() {
  case $1 in
    analyzer-svc) echo "$ANALYZER_PORT" ;;
    builder-svc) echo "$BUILDER_PORT" ;;
    verifier-svc) echo "$VERIFIER_PORT" ;;
    *) die "unknown service: $1 (one of: ${DISTILL_SERVICES[*]})" ;;
  esac
}

svc_jar() { printf '%s/%s/target/quarkus-app/quarkus-run.jar' "$DISTILL_ROOT" "$1"; }
svc_work_dir() { printf '%s/%s/work' "$DISTILL_STATE_DIR" "$1"; }

# The environment every service gets, as NAME=VALUE lines (for `env`).
svc_env() {
  local svc=$1
  printf '%s\n' \
    "QUARKUS_HTTP_PORT=$(svc_port "$svc")" \
    "QUARKUS_HTTP_HOST=127.0.0.1" \
    "KAFKA_BOOTSTRAP_SERVERS=$KAFKA_BOOTSTRAP" \
    "DISTILL_INTAKE_WEBHOOK_SECRET=$(webhook_secret)" \
    "DISTILL_REGISTRY_INSECURE=$REGISTRY_HOSTPORT" \
    "DISTILL_WORK_DIR=$(svc_work_dir "$svc")"
  # The layer caches (analysis facts, source and built layers) persist under the service's state with its work
  # directory: a restart of the stack keeps them; down.sh --purge removes them.
  case "$svc" in
    analyzer-svc) echo "DISTILL_ANALYSIS_CACHE_DIR=$(svc_work_dir "$svc")/cache" ;;
    builder-svc) echo "DISTILL_BUILD_CACHE_DIR=$(svc_work_dir "$svc")/cache" ;;
  esac
  if [ "$svc" = analyzer-svc ]; then
    api_auth_env
  fi
  if [ "$svc" = verifier-svc ] && verifier_via_runner; then
    printf '%s\n' "DISTILL_VERIFY_RUNNER=socket" "DISTILL_VERIFY_RUNNER_SOCKET=$(runner_socket)" \
      "DISTILL_VERIFY_WORK_DIR=$(verify_spool_dir)"
  fi
}

# The sandbox runner (root) and the unprivileged verifier -------------------------------------------------------
verifier_via_runner() { [ "$DISTILL_VERIFY_RUNNER" = socket ] && [ "$(run_mode)" != images ]; }
runner_socket() { printf '%s/sandbox-runner/socket/runner.sock' "$DISTILL_STATE_DIR"; }
# The verifier's verification directories (layers spooled by digest): the runner's spool root.
verify_spool_dir() { printf '%s' "${DISTILL_VERIFY_WORK_DIR:-$DISTILL_STATE_DIR/verifier-svc/verify}"; }
# The runner's sandboxes, beside the spool: a short path when the spool's is (runc's socket paths must stay short).
runner_work_dir() { printf '%s' "${DISTILL_RUNNER_WORK_DIR:-$(verify_spool_dir)-runner}"; }

# ensure_service_user: the verifier's unprivileged user. A system account, so that useradd gives it no subordinate
# ids (the sandboxes' id pool reads /etc/subuid for this very name: docs/security.md).
ensure_service_user() {
  id -u "$DISTILL_SERVICE_USER" >/dev/null 2>&1 && return 0
  is_root || die "user $DISTILL_SERVICE_USER is missing and only root can add it"
  log "adding the system user $DISTILL_SERVICE_USER (the verifier runs as it)"
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$DISTILL_SERVICE_USER"
}

# start_sandbox_runner: the runner as root on its socket (group DISTILL_SERVICE_USER), from the verifier's jars;
# waits for the socket.
start_sandbox_runner() {
  local pidfile logfile sock lib i
  pidfile=$(pidfile_of sandbox-runner)
  logfile=$(logfile_of sandbox-runner)
  sock=$(runner_socket)
  if pid_alive "$pidfile"; then
    log "sandbox-runner already runs (pid $(pid_of "$pidfile"))"
    return 0
  fi
  lib="$DISTILL_ROOT/verifier-svc/target/quarkus-app/lib/main"
  [ -d "$lib" ] || die "$lib is missing: build first (./mvnw -B -q package -DskipTests)"
  mkdir -p "$(verify_spool_dir)" "$(runner_work_dir)"
  rm -f "$sock"
  log "starting sandbox-runner on $sock"
  (cd "$DISTILL_ROOT" && start_bg sandbox-runner "$logfile" java -Xmx256m ${JAVA_OPTS_EXTRA:-} -cp "$lib/*" \
    dev.distill.engine.verification.SandboxRunner --socket "$sock" --group "$DISTILL_SERVICE_USER" \
    --spool "$(verify_spool_dir)" --work "$(runner_work_dir)")
  for i in $(seq 1 300); do
    if [ -S "$sock" ]; then
      # Swept by the runner as it started (also what a verifier run as root left there): now the verifier's alone.
      chown -R "$DISTILL_SERVICE_USER:" "$(verify_spool_dir)"
      chmod 0700 "$(verify_spool_dir)"
      return 0
    fi
    pid_alive "$pidfile" || start_failed sandbox-runner "sandbox-runner exited before it listened"
    sleep 0.1
  done
  start_failed sandbox-runner "sandbox-runner did not listen on $sock within 30 s"
}

# How the services run: "jars" (java -jar from */target/quarkus-app, the default) or "images" (their Jib
# images under runc: up.sh --images). up.sh records it in .state/run-mode for restart.sh and down.sh.
run_mode() { cat "$DISTILL_STATE_DIR/run-mode" 2>/dev/null || echo jars; }

# start_service SVC: start one service (as the run mode says) unless it already runs; does not wait.
start_service() {
  case $(run_mode) in
    images) start_service_container "$1" ;;
    *) start_service_jar "$1" ;;
  esac
}

# start_service_jar SVC: the service as a java process from its quarkus-app.
start_service_jar() {
  local svc=$1 jar pidfile logfile
  jar=$(svc_jar "$svc")
  pidfile=$(pidfile_of "$svc")
  logfile=$(logfile_of "$svc")
  if pid_alive "$pidfile"; then
    log "$svc already runs (pid $(pid_of "$pidfile"))"
    return 0
  fi
  [ -f "$jar" ] || die "$jar is missing: build first (./mvnw -B -q package -DskipTests)"
  local port
  port=$(svc_port "$svc")
  if port_open "$port"; then
    die "port $port (for $svc) is already in use by another process"
  fi
  mkdir -p "$(svc_work_dir "$svc")"
  local -a envs as_user=()
  if [ "$svc" = verifier-svc ] && verifier_via_runner; then
    ensure_service_user
    start_sandbox_runner
    chown -R "$DISTILL_SERVICE_USER:" "$(svc_work_dir "$svc")"
    as_user=(setpriv "--reuid=$DISTILL_SERVICE_USER" "--regid=$DISTILL_SERVICE_USER" --init-groups --inh-caps=-all)
  fi
  mapfile -t envs < <(svc_env "$svc")
  log "starting $svc on port $port"
  # JAVA_OPTS_EXTRA: extra JVM flags for the services (e.g. a debug agent).
  # shellcheck disable=SC2086
  (cd "$DISTILL_ROOT" && start_bg "$svc" "$logfile" env "${envs[@]}" "${as_user[@]}" \
    java "-Xmx$DISTILL_SERVICE_XMX" ${JAVA_OPTS_EXTRA:-} -jar "$jar")
}

# wait_service SVC: wait for /q/health/ready = 200; on failure show the log and fail.
wait_service() {
  local svc=$1 port url logfile
  port=$(svc_port "$svc")
  url="http://127.0.0.1:$port/q/health/ready"
  logfile=$(logfile_of "$svc")
  if ! wait_http_200 "$url" "$DISTILL_READY_TIMEOUT" "$(pidfile_of "$svc")"; then
    echo "----- last 40 lines of $logfile -----" >&2
    tail -n 40 "$logfile" >&2 || true
    echo "-----" >&2
    die "$svc did not become ready at $url"
  fi
  log "$svc is ready at http://127.0.0.1:$port"
}

stop_service() {
  stop_pidfile "$1"
  if [ "$1" = verifier-svc ]; then
    stop_pidfile sandbox-runner  # after the verifier: no run is asked for any more
  fi
  if [ -d "$(runc_root)" ]; then
    runc --root "$(runc_root)" delete --force "$(container_id "$1")" >/dev/null 2>&1 || true
  fi
}

# Services from their own images under runc (up.sh --images) ------------------------------------------------------
DISTILL_CONTAINERS_DIR="$DISTILL_STATE_DIR/containers"
runc_root() { printf '%s/runc' "$DISTILL_CONTAINERS_DIR"; }
container_id() { printf 'distill-%s' "$1"; }
# The image images.sh pushed for a service, as repository@digest (from .state/images.txt: service, tagged reference,
# digest); skopeo takes a reference with a tag or a digest, not both.
svc_image() {
  awk -v s="$1" '$1 == s { ref = $2; slash = match(ref, /\/[^\/]*$/); tail = substr(ref, slash);
    sub(/:[^:]*$/, "", tail); print substr(ref, 1, slash - 1) tail "@" $3 }' "$DISTILL_STATE_DIR/images.txt" 2>/dev/null
}

# What the verifier's container gets beyond a service's (docs/operations.md says why each is needed): it runs runc,
# strace and nsenter itself. Docker's default capabilities (its own containers get those) plus SYS_ADMIN (namespaces,
# mounts, pivot_root, setns), SYS_PTRACE (strace), NET_ADMIN (the loopback of each pod's network namespace) and
# DAC_READ_SEARCH (unpacking images whose files belong to any owner).
VERIFIER_CAPABILITIES='["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW","CAP_SETGID",
"CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT","CAP_KILL","CAP_AUDIT_WRITE",
"CAP_SYS_ADMIN","CAP_SYS_PTRACE","CAP_NET_ADMIN","CAP_DAC_READ_SEARCH"]'

# prepare_bundle SVC: the service's image pulled by digest (skopeo) and unpacked as a runc bundle (umoci), its
# config.json adapted to the local stack: the host's network namespace (Kafka, the registry and the service ports are
# on 127.0.0.1), the services' environment, a read-only root with a tmpfs /tmp and the state's work directory at /work.
prepare_bundle() {
  local svc=$1 image dir work bundle envs
  image=$(svc_image "$svc")
  [ -n "$image" ] || die "no image of $svc in $DISTILL_STATE_DIR/images.txt: run deploy/local/images.sh (or up.sh --images without --no-build)"
  dir="$DISTILL_CONTAINERS_DIR/$svc"
  work=$(svc_work_dir "$svc")
  bundle="$dir/bundle"
  mkdir -p "$dir" "$work/tmp"
  rm -rf "$dir/image" "$bundle"
  skopeo copy -q --src-tls-verify=false "docker://$image" "oci:$dir/image:service" >/dev/null \
    || die "skopeo could not copy $image"
  umoci unpack --image "$dir/image:service" "$bundle" >/dev/null || die "umoci could not unpack $image"
  rm -rf "$dir/image"
  # The work directory belongs to the user the image runs as (65532 for analyzer and builder).
  chown "$(jq -r '.process.user.uid' "$bundle/config.json"):$(jq -r '.process.user.gid' "$bundle/config.json")" "$work" "$work/tmp"
  printf '127.0.0.1\tlocalhost %s\n' "$(container_id "$svc")" >"$dir/hosts"
  # In the container the state's work directory is /work: the caches' directories move with it.
  envs=$(svc_env "$svc" | grep -v '^DISTILL_WORK_DIR=' | sed -E 's#^(DISTILL_[A-Z]+_CACHE_DIR)=.*#\1=/work/cache#' | jq -R . | jq -s \
    '. + ["JAVA_TOOL_OPTIONS=-Xmx'"$DISTILL_SERVICE_XMX"' -Djava.io.tmpdir=/work/tmp"]')
  jq --argjson env "$envs" --arg work "$work" --arg hosts "$dir/hosts" --arg id "$(container_id "$svc")" '
    .process.terminal = false
    | .process.env += $env
    | .hostname = $id
    | .root.readonly = true
    | .linux.namespaces |= map(select(.type != "network"))
    | .mounts += [
        {destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=1777", "size=64m"]},
        {destination: "/work", type: "bind", source: $work, options: ["rbind", "rw"]},
        {destination: "/etc/hosts", type: "bind", source: $hosts, options: ["rbind", "ro"]}]' \
    "$bundle/config.json" >"$bundle/config.json.tmp"
  mv "$bundle/config.json.tmp" "$bundle/config.json"
  if [ "$svc" = verifier-svc ]; then
    # runc inside: these capabilities, no masked /proc paths (a nested /proc mount needs a fully visible one), the
    # host's cgroup hierarchy writable (the verifier limits its containers below its own cgroup), devices allowed
    # (runc creates /dev/null and the like in each container).
    jq --argjson caps "$VERIFIER_CAPABILITIES" '
      .process.capabilities = {bounding: $caps, effective: $caps, permitted: $caps}
      | .process.noNewPrivileges = false
      | del(.linux.maskedPaths) | del(.linux.readonlyPaths)
      | .linux.resources.devices = [{allow: true, access: "rwm"}]
      | .mounts |= map(if .destination == "/sys/fs/cgroup"
          then {destination: "/sys/fs/cgroup", type: "bind", source: "/sys/fs/cgroup", options: ["rbind", "rw", "nosuid", "nodev", "noexec"]}
          else . end)' "$bundle/config.json" >"$bundle/config.json.tmp"
    mv "$bundle/config.json.tmp" "$bundle/config.json"
  fi
}

# start_service_container SVC: the service from its image, `runc run` in the foreground of a background process
# (its output in the service's log; TERM to it reaches the service, as runc forwards signals).
start_service_container() {
  local svc=$1 pidfile logfile port
  pidfile=$(pidfile_of "$svc")
  logfile=$(logfile_of "$svc")
  if pid_alive "$pidfile"; then
    log "$svc already runs (pid $(pid_of "$pidfile"))"
    return 0
  fi
  port=$(svc_port "$svc")
  if port_open "$port"; then
    die "port $port (for $svc) is already in use by another process"
  fi
  command -v runc >/dev/null && command -v umoci >/dev/null && command -v skopeo >/dev/null \
    || die "runc, umoci and skopeo are needed for --images (deploy/local/install-prereqs.sh)"
  is_root || die "running the services' images under runc needs root"
  runc --root "$(runc_root)" delete --force "$(container_id "$svc")" >/dev/null 2>&1 || true
  prepare_bundle "$svc"
  log "starting $svc from $(svc_image "$svc") under runc on port $port"
  start_bg "$svc" "$logfile" runc --root "$(runc_root)" run --bundle "$DISTILL_CONTAINERS_DIR/$svc/bundle" \
    "$(container_id "$svc")"
}
