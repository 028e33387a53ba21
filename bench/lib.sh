# Shared by the bench/*.sh scripts that run a main class of distill-engine's test scope (sourced, not run).

# Compiles distill-engine and its test classes (offline unless BENCH_MVN_ONLINE=1; never `mvn install`) and
# prints the class path: test classes, classes, and the test-scope dependencies.
bench_classpath() {
  local repo=$1 cpfile=$1/distill-engine/target/bench-classpath.txt
  local flags=(-B -q -pl distill-engine)
  [ "${BENCH_MVN_ONLINE:-0}" = 1 ] || flags+=(-o)
  echo "[bench] compiling distill-engine and its test classes" >&2
  (cd "$repo" && mvn "${flags[@]}" test-compile >&2)
  (cd "$repo" && mvn "${flags[@]}" dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cpfile" >&2)
  printf '%s' "$repo/distill-engine/target/test-classes:$repo/distill-engine/target/classes:$(cat "$cpfile")"
}
