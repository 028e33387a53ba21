#!/usr/bin/env bash
# -----------------------------------------------------------------------------
# A real single-node Apache Kafka broker (KRaft: broker + controller in one JVM)
# run as a plain java process from Maven Central jars (deploy/local/kafka/pom.xml).
#
# Usage: deploy/local/kafka.sh COMMAND
#   start            resolve the class path (cached), write server.properties,
#                    format the storage once, start the broker, wait until it answers
#   stop             TERM, then KILL after DISTILL_STOP_GRACE (15) seconds
#   restart          stop + start
#   status           exit 0 if it runs and answers, 3 if not
#   classpath        print the broker's class path
#   run CLASS ARGS   run a Kafka main class with that class path, e.g.
#                    run org.apache.kafka.tools.ConsoleProducer --bootstrap-server 127.0.0.1:9092 --topic t
#   topics ARGS      TopicCommand against the local broker, e.g. `topics --list`
#   clean            stop and delete all Kafka data (the next start formats anew)
#
# Environment: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), KAFKA_HEAP (512m),
#   KAFKA_START_TIMEOUT (90 s), DISTILL_STATE_DIR (deploy/local/.state).
# Files: .state/kafka/{classpath.txt,server.properties,data/}, .state/logs/kafka.log
#   (broker log), .state/logs/kafka.out (JVM stdout/stderr), .state/pids/kafka.pid
# -----------------------------------------------------------------------------
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KAFKA_POM="$DISTILL_LOCAL_DIR/kafka/pom.xml"
KAFKA_STATE="$DISTILL_STATE_DIR/kafka"
KAFKA_DATA="$KAFKA_STATE/data"
KAFKA_PROPS="$KAFKA_STATE/server.properties"
KAFKA_CP_FILE="$KAFKA_STATE/classpath.txt"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
KAFKA_NAME=kafka

# Class path of the broker and tools, resolved by Maven and cached; resolved again
# when the POM changed or a jar went missing from the local repository.
kafka_classpath() {
  mkdir -p "$KAFKA_STATE"
  local stale=false entry
  if [ ! -s "$KAFKA_CP_FILE" ] || [ "$KAFKA_POM" -nt "$KAFKA_CP_FILE" ]; then
    stale=true
  else
    while IFS= read -r -d: entry || [ -n "$entry" ]; do
      [ -z "$entry" ] || [ -e "$entry" ] || { stale=true; break; }
    done <"$KAFKA_CP_FILE"
  fi
  if $stale; then
    log "resolving the Kafka class path with Maven (cached in $KAFKA_CP_FILE)"
    mvnw_offline_first -B -q -f "$KAFKA_POM" "$MAVEN_DEPENDENCY_PLUGIN:build-classpath" \
      "-Dmdep.outputFile=$KAFKA_CP_FILE.tmp" \
      || die "could not resolve the Kafka class path (mvnw -f $KAFKA_POM $MAVEN_DEPENDENCY_PLUGIN:build-classpath)"
    mv "$KAFKA_CP_FILE.tmp" "$KAFKA_CP_FILE"
  fi
  cat "$KAFKA_CP_FILE"
}

# JVM flags of Kafka's command line tools: small, quick to start, warnings to stderr.
TOOL_JVM_OPTS=(-Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC
  "-Dlog4j2.configurationFile=$DISTILL_LOCAL_DIR/kafka/log4j2-tools.xml")

# run_tool CLASS ARGS...: a Kafka command line tool with the broker's class path.
run_tool() {
  local cp
  cp=$(kafka_classpath)
  java "${TOOL_JVM_OPTS[@]}" -cp "$cp" "$@"
}

write_server_properties() {
  mkdir -p "$KAFKA_DATA"
  cat >"$KAFKA_PROPS.tmp" <<EOF
# Written by deploy/local/kafka.sh; rewritten at every start.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DATA
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
min.insync.replicas=1
auto.create.topics.enable=true
delete.topic.enable=true
group.initial.rebalance.delay.ms=0
log.retention.hours=24
EOF
  mv "$KAFKA_PROPS.tmp" "$KAFKA_PROPS"
}

format_storage_once() {
  if [ -f "$KAFKA_DATA/meta.properties" ]; then
    return 0
  fi
  local uuid
  uuid=$(run_tool kafka.tools.StorageTool random-uuid | tail -n 1)
  [ -n "$uuid" ] || die "kafka.tools.StorageTool random-uuid printed nothing"
  log "formatting Kafka storage in $KAFKA_DATA (cluster id $uuid)"
  # Static quorum (controller.quorum.voters): no --standalone here.
  run_tool kafka.tools.StorageTool format -t "$uuid" -c "$KAFKA_PROPS" >&2 \
    || die "formatting the Kafka storage failed"
}

# True if the broker answers a metadata request.
kafka_answers() {
  local cp
  cp=$(kafka_classpath)
  timeout 30 java "${TOOL_JVM_OPTS[@]}" -cp "$cp" org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "$KAFKA_BOOTSTRAP" --list >/dev/null 2>&1
}

kafka_start() {
  local pidfile
  pidfile=$(pidfile_of "$KAFKA_NAME")
  ensure_state_dirs
  if pid_alive "$pidfile"; then
    log "Kafka already runs (pid $(pid_of "$pidfile")) on $KAFKA_BOOTSTRAP"
    return 0
  fi
  for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    port_open "$p" && die "port $p is already in use by another process (set KAFKA_PORT / KAFKA_CONTROLLER_PORT)"
  done
  local cp
  cp=$(kafka_classpath)
  write_server_properties
  format_storage_once
  log "starting Kafka (KRaft, node 1) on $KAFKA_BOOTSTRAP, controller 127.0.0.1:$KAFKA_CONTROLLER_PORT"
  (cd "$KAFKA_STATE" && start_bg "$KAFKA_NAME" "$DISTILL_LOG_DIR/kafka.out" \
    java "-Xmx$KAFKA_HEAP" "-Xms$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Djava.awt.headless=true \
    "-Dkafka.logs.dir=$DISTILL_LOG_DIR" \
    "-Dlog4j2.configurationFile=$DISTILL_LOCAL_DIR/kafka/log4j2-server.xml" \
    -cp "$cp" kafka.Kafka "$KAFKA_PROPS")

  local deadline=$((SECONDS + KAFKA_START_TIMEOUT))
  until port_open "$KAFKA_PORT"; do
    if ! pid_alive "$pidfile"; then
      kafka_fail "Kafka exited during start-up"
    fi
    [ "$SECONDS" -lt "$deadline" ] || kafka_fail "Kafka did not open port $KAFKA_PORT within ${KAFKA_START_TIMEOUT}s"
    sleep 0.5
  done
  until kafka_answers; do
    pid_alive "$pidfile" || kafka_fail "Kafka exited during start-up"
    [ "$SECONDS" -lt "$deadline" ] || kafka_fail "Kafka did not answer a topic list within ${KAFKA_START_TIMEOUT}s"
    sleep 1
  done
  log "Kafka is up on $KAFKA_BOOTSTRAP (pid $(pid_of "$pidfile"), log $DISTILL_LOG_DIR/kafka.log)"
}

kafka_fail() {
  {
    echo "----- last 40 lines of $DISTILL_LOG_DIR/kafka.out -----"
    tail -n 40 "$DISTILL_LOG_DIR/kafka.out" 2>/dev/null || true
    echo "----- last 40 lines of $DISTILL_LOG_DIR/kafka.log -----"
    tail -n 40 "$DISTILL_LOG_DIR/kafka.log" 2>/dev/null || true
    echo "-----"
  } >&2
  stop_pidfile "$KAFKA_NAME" 5
  die "$1"
}

kafka_status() {
  local pidfile
  pidfile=$(pidfile_of "$KAFKA_NAME")
  if pid_alive "$pidfile"; then
    if port_open "$KAFKA_PORT"; then
      echo "kafka: running (pid $(pid_of "$pidfile")) on $KAFKA_BOOTSTRAP"
      return 0
    fi
    echo "kafka: process $(pid_of "$pidfile") runs but port $KAFKA_PORT is closed"
    return 3
  fi
  echo "kafka: not running"
  return 3
}

case "${1:-}" in
  start) kafka_start ;;
  stop) stop_pidfile "$KAFKA_NAME" ;;
  restart) stop_pidfile "$KAFKA_NAME"; kafka_start ;;
  status) kafka_status ;;
  classpath) kafka_classpath; echo ;;
  run) shift; [ $# -ge 1 ] || die "usage: $0 run CLASS [ARGS...]"; run_tool "$@" ;;
  topics) shift; run_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BOOTSTRAP" "$@" ;;
  clean) stop_pidfile "$KAFKA_NAME"; rm -rf "$KAFKA_DATA"; log "Kafka data removed" ;;
  -h|--help|help) sed -n '2,24p' "$0" ;;
  *) sed -n '2,24p' "$0" >&2; exit 2 ;;
esac
