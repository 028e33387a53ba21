# Shared by bench/chaos.sh and bench/load.sh (sourced, not run): runs one harness class of e2e-tests against a fresh
# local stack of its own (e2e-tests/target/stack-state), as the e2e tests do, and prints its figures.

# run_stack_harness CLASS PREFIX [MAVEN ARGS...]
run_stack_harness() {
  local repo class=$1 prefix=$2
  shift 2
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  [ "$(id -u)" = 0 ] || { echo "the stack harnesses run containers with runc: run as root" >&2; return 1; }
  # One stack per set of ports at a time: DISTILL_PORT_OFFSET (deploy/local/lib.sh) picks another set, and its lock.
  local offset=${DISTILL_PORT_OFFSET:-0} lock
  if [ "$offset" = 0 ]; then lock=${DISTILL_STACK_LOCK:-/tmp/distill-stack.lock}
  else lock=${DISTILL_STACK_LOCK:-/tmp/distill-stack-$offset.lock}; fi
  echo "[bench] $class: waiting for $lock, then packaging the services and starting a fresh stack" >&2
  # The run's whole output is kept (and shown as it goes): the harness prints its figures there.
  local log="$repo/e2e-tests/target/bench-$class.log" status=0
  mkdir -p "$(dirname "$log")"
  # Only the harness runs: unit tests are skipped (-Dtest=none), and every other *IT is left out by it.test.
  flock "$lock" "$repo/mvnw" -B verify -Pe2e -pl e2e-tests -am -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
    -Dit.test="$class" -Dfailsafe.failIfNoSpecifiedTests=false "$@" 2>&1 | tee "$log" || status=$?
  if [ "$status" != 0 ]; then
    echo "[bench] $class failed; its output: $log" >&2
    grep "^$prefix" "$log" || true
    return 1
  fi
  echo "[bench] $class: figures (all of its output: $log)" >&2
  grep "^$prefix" "$log" || true
}
