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
