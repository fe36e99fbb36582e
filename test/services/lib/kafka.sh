# kafka for the integration tests. Sourced by test/services/run; see lib/common.sh for the contract.
#
# One Kafka broker in KRaft mode (a single node that is broker and controller), loopback only:
#   127.0.0.1:59092  PLAINTEXT, the clients' listener                              (KAFKA_BROKERS)
#   127.0.0.1:59093  CONTROLLER, the KRaft quorum's own listener (clients never use it)
# Topics are never created on the fly (auto.create.topics.enable=false): a test creates its topics
# with the admin client. Replication factor 1 everywhere; a new topic has 1 partition by default.
#
# Version: Kafka 4.4.0, the newest 4.x on Maven Central here; kafkajs 2.2.4 (the client the
# replicator uses) works against it, so there is no need for a 3.9 broker. Checked by hand: produce
# (acks -1, keyed, gzip, idempotent, transactions committed and aborted, read_committed), consume in
# a consumer group (join, 35 s idle with heartbeats, manual and auto commits, resume after the
# commits), admin createTopics / createPartitions / deleteTopics / fetchTopicMetadata /
# fetchTopicOffsets(ByTimestamp) / fetchOffsets / setOffsets / resetOffsets / deleteTopicRecords /
# describeConfigs / alterConfigs / describeGroups / listGroups / deleteGroups / describeCluster.
# Why it works: KIP-896 (Kafka 4.0) removed only request versions below those kafkajs negotiates
# (it takes its newest: Produce v7, Fetch v11, Metadata v6, ListOffsets v3, OffsetCommit v5,
# OffsetFetch v4, FindCoordinator v2, JoinGroup v5, CreateTopics v3, DescribeConfigs v2,
# InitProducerId v1), and the classic group protocol kafkajs speaks is still enabled by default
# (group.coordinator.rebalance.protocols=classic,consumer). Closest to the edge: DeleteTopics,
# where kafkajs's newest (v1) is the oldest Kafka 4 still accepts.
#
# No tarball from kafka.apache.org (not reachable here): the broker is the Maven artifact
# org.apache.kafka:kafka_2.13 plus its runtime dependencies and the log4j2 slf4j binding, listed in
# test/services/kafka/pom.xml (the one place that names the version) and copied by Maven into
#   $DR_SERVICES_HOME/cache/kafka-<version>/libs        (.complete = the pom's sha256 when done)
# and run as `java -cp libs/... kafka.Kafka kafka.properties` with the `java` on PATH (17 or newer).
# Config:  $DR_SERVICES_HOME/run/kafka.properties, run/kafka-log4j2.xml (rewritten on every start)
# Data:    $DR_SERVICES_HOME/data/kafka (formatted with kafka.tools.StorageTool --standalone when it
#          holds no meta.properties; empty the folder for a fresh cluster)
# Pid:     $DR_SERVICES_HOME/run/kafka.pid
# Log:     $DR_SERVICES_HOME/logs/kafka.log (the broker's log4j2 output, the format step, Maven)
#
# Start-up speed (about 5 s of JVM start on 2 cores, where the broker's own work is well under 1 s):
# C1 only (-XX:TieredStopAtLevel=1) and the serial GC cut the CPU spent starting by ~40 %, and an
# AppCDS archive of the broker's classes by a further ~35 %. The archive is made by the JVM itself
# when a broker that started without one exits cleanly (kafka_stop; -XX:ArchiveClassesAtExit),
# written beside the jars as cds/*.jsa.new and only renamed to *.jsa by kafka_stop once the JVM
# has exited on SIGTERM, so a killed broker never leaves a half-written archive in use. A JVM that
# cannot use the archive (other JDK, other jars) just starts without it (-Xshare:auto).
# Readiness is a real request, not an open port: kafkajs from the repository's node_modules asks
# for the cluster's metadata and finds the group coordinator (which also creates __consumer_offsets
# on a fresh cluster, so the first consumer group of a test does not wait for it).

KAFKA_PORT=59092
KAFKA_CONTROLLER_PORT=59093
KAFKA_START_TIMEOUT=90
KAFKA_STOP_TIMEOUT=30

_KAFKA_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
_KAFKA_REPO="$(cd "$_KAFKA_LIB_DIR/../../.." && pwd)"
_KAFKA_POM="$_KAFKA_LIB_DIR/../kafka/pom.xml"

# _kafka_version: the Kafka version the pom names (<kafka.version>).
_kafka_version() {
  local v
  v="$(sed -n 's:.*<kafka\.version>\([^<]*\)</kafka\.version>.*:\1:p;T;q' "$_KAFKA_POM")"
  [ -n "$v" ] || die "kafka: no <kafka.version> in $_KAFKA_POM"
  echo "$v"
}
_kafka_home() { echo "$DR_SERVICES_HOME/cache/kafka-$(_kafka_version)"; }
_kafka_libs() { echo "$(_kafka_home)/libs"; }
_kafka_datadir() { echo "$DR_SERVICES_HOME/data/kafka"; }
_kafka_props() { echo "$DR_SERVICES_HOME/run/kafka.properties"; }
_kafka_log4j() { echo "$DR_SERVICES_HOME/run/kafka-log4j2.xml"; }
_kafka_pidfile() { echo "$DR_SERVICES_HOME/run/kafka.pid"; }
_kafka_log() { echo "$DR_SERVICES_HOME/logs/kafka.log"; }
_kafka_pom_sum() { sha256sum <"$_KAFKA_POM" | cut -c1-64; }

# _kafka_java_major JAVA: the feature version (17, 21, ...) of that java; 1 when it does not run.
_kafka_java_major() {
  local line
  line="$("$1" -version 2>&1)" || return 1
  line="$(printf '%s\n' "$line" | sed -n 's/.*version "\([0-9]*\).*/\1/p;T;q')"
  [ -n "$line" ] || return 1
  echo "$line"
}

# _kafka_init_java: sets _KAFKA_JAVA to a java binary of version 17 or newer (Kafka 4 brokers need
# 17): JAVA_HOME's, then the one on PATH, then Debian's OpenJDK 17; 1 if none. Not in a subshell,
# so the choice (a JVM start per candidate) is made once.
_kafka_init_java() {
  [ -n "${_KAFKA_JAVA:-}" ] && return 0
  local j major
  for j in "${JAVA_HOME:+$JAVA_HOME/bin/java}" "$(command -v java 2>/dev/null || true)" \
    /usr/lib/jvm/java-17-openjdk-amd64/bin/java; do
    if [ -z "$j" ] || [ ! -x "$j" ]; then continue; fi
    major="$(_kafka_java_major "$j")" || continue
    if [ "$major" -ge 17 ]; then
      _KAFKA_JAVA="$j"
      return 0
    fi
  done
  return 1
}
# _kafka_java: prints the java that _kafka_init_java chose.
_kafka_java() {
  _kafka_init_java || return 1
  echo "$_KAFKA_JAVA"
}

# _kafka_libs_complete: 0 when the jars of the pom as it is now are all in place.
_kafka_libs_complete() {
  local marker
  marker="$(_kafka_libs)/.complete"
  [ -f "$marker" ] && [ "$(cat "$marker")" = "$(_kafka_pom_sum)" ]
}

kafka_install() {
  _kafka_init_java || apt_install openjdk-17-jre-headless
  _kafka_init_java || die "kafka: no java 17 or newer (JAVA_HOME, PATH, /usr/lib/jvm/java-17-openjdk-amd64)"
  _kafka_libs_complete && return 0

  command -v mvn >/dev/null 2>&1 || apt_install maven
  command -v mvn >/dev/null 2>&1 || die "kafka: mvn missing after installing maven"
  local libs version logfile
  libs="$(_kafka_libs)"
  version="$(_kafka_version)"
  logfile="$(_kafka_log)"
  mkdir -p "$(_kafka_home)" "$(dirname "$logfile")"
  log "kafka: fetching Kafka $version and its dependencies with Maven into $libs"
  rm -rf "$libs.tmp"
  printf '\n==== mvn dependency:copy-dependencies (kafka %s) %s ====\n' "$version" "$(date -u +%FT%TZ)" >>"$logfile"
  # -B: no progress bars; -q: errors only. Maven's own cache (~/.m2) makes a repeat fast.
  JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$(_kafka_java)")")")" \
    mvn -B -q -f "$_KAFKA_POM" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$libs.tmp" >>"$logfile" 2>&1 || {
    tail -n 30 "$logfile" >&2 || true
    rm -rf "$libs.tmp"
    die "kafka: Maven could not resolve $_KAFKA_POM; see $logfile"
  }
  local jar
  for jar in "kafka_2.13-$version.jar" "kafka-server-$version.jar" "kafka-raft-$version.jar"; do
    [ -f "$libs.tmp/$jar" ] || die "kafka: $jar missing from what Maven copied into $libs.tmp"
  done
  ls "$libs.tmp"/log4j-core-*.jar "$libs.tmp"/log4j-slf4j*-impl-*.jar >/dev/null 2>&1 \
    || die "kafka: the log4j2 jars (log4j-core, log4j-slf4j-impl) missing from $libs.tmp"
  _kafka_pom_sum >"$libs.tmp/.complete"
  rm -rf "$libs" "$(_kafka_home)/cds" # an AppCDS archive is tied to the exact jars
  mv "$libs.tmp" "$libs"
  log "kafka: $(find "$libs" -name '*.jar' | wc -l) jars in $libs"
}

# _kafka_classpath: the jars, in a fixed order (an AppCDS archive needs the same class path).
_kafka_classpath() {
  find "$(_kafka_libs)" -maxdepth 1 -name '*.jar' | LC_ALL=C sort | paste -sd: -
}

# _kafka_cds_archive: where the AppCDS archive for this JDK lives: a name per java binary and build
# of its libjvm.so, so an upgraded JDK makes a new archive instead of ignoring the old one.
_kafka_cds_archive() {
  local java jvm
  java="$(readlink -f "$(_kafka_java)")"
  jvm="$(stat -L -c '%s %Y' "$(dirname "$java")"/../lib/server/libjvm.so 2>/dev/null || true)"
  echo "$(_kafka_home)/cds/$(printf '%s %s' "$java" "$jvm" | sha256sum | cut -c1-12).jsa"
}

# _kafka_jvm_opts: the JVM options of the broker and the storage tool, one a line.
_kafka_jvm_opts() {
  local jsa
  jsa="$(_kafka_cds_archive)"
  printf '%s\n' -Xmx512m -Xms256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    "-XX:ErrorFile=$DR_SERVICES_HOME/logs/kafka-hs_err_pid%p.log" \
    "-Dlog4j2.configurationFile=$(_kafka_log4j)" -Xlog:cds=off,cds+dynamic=off
  if [ -s "$jsa" ]; then
    printf '%s\n' "-XX:SharedArchiveFile=$jsa"
  fi
}

# _kafka_is_ours PID: 0 when PID is alive and runs kafka.Kafka with our properties file.
_kafka_is_ours() {
  local args
  kill -0 "$1" 2>/dev/null || return 1
  args="$(tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null)" || return 1
  grep -qxF -- "$(_kafka_props)" <<<"$args" && grep -qxF -- kafka.Kafka <<<"$args"
}

# _kafka_pid: prints the pid of our broker; else 1. The pid file first; when it is missing or
# names another process (left by a machine restart, or a recycled pid), the process list is
# searched for the one broker started with our properties file, and the pid file rewritten.
_kafka_pid() {
  local pidfile pid
  pidfile="$(_kafka_pidfile)"
  if [ -s "$pidfile" ]; then
    pid="$(tr -dc '0-9' <"$pidfile")"
    if [ -n "$pid" ] && _kafka_is_ours "$pid"; then
      echo "$pid"
      return 0
    fi
  fi
  local file
  while IFS= read -r file; do
    pid="${file#/proc/}"
    pid="${pid%/cmdline}"
    if _kafka_is_ours "$pid"; then
      echo "$pid" >"$pidfile"
      echo "$pid"
      return 0
    fi
  done < <(grep -lsF -- "$(_kafka_props)" /proc/[0-9]*/cmdline || true)
  return 1
}

# The probe: kafkajs (the client the replicator and its tests use) from the repository's
# node_modules. argv: kafkajs path, broker, mode. `check` asks for the cluster's metadata; `ready`
# also finds the group coordinator, which fails (COORDINATOR_NOT_AVAILABLE / LOADING) until
# __consumer_offsets exists and is loaded, and makes the broker create it on a fresh cluster.
# shellcheck disable=SC2016 # JavaScript, not shell
_KAFKA_PROBE_JS='
const [kafkajsPath, broker, mode] = process.argv.slice(1);
const { Kafka, logLevel } = require(kafkajsPath);
const kafka = new Kafka({
  clientId: "dr-services-probe", brokers: [broker], logLevel: logLevel.NOTHING,
  connectionTimeout: 3000, requestTimeout: 5000, retry: { retries: 0 },
});
const admin = kafka.admin({ retry: { retries: 0 } });
(async () => {
  await admin.connect();
  const cluster = await admin.describeCluster();
  if (cluster.brokers.length === 0) throw new Error("no broker in the metadata");
  if (mode === "ready") await admin.describeGroups(["dr-services-probe"]);
})().then(
  () => admin.disconnect().finally(() => process.exit(0)),
  (e) => { process.stderr.write(`kafka probe: ${e.message}\n`); process.exit(1); },
);
'

# _kafka_probe MODE: 0 when the broker answers (see _KAFKA_PROBE_JS). Quiet; 1 on any failure.
_kafka_probe() {
  local kafkajs="$_KAFKA_REPO/node_modules/kafkajs"
  if [ ! -f "$kafkajs/package.json" ] || ! command -v node >/dev/null 2>&1; then
    log "kafka: cannot ask the broker: node or $kafkajs is missing (run npm ci)"
    return 1
  fi
  port_open "$KAFKA_PORT" || return 1
  timeout 20 node -e "$_KAFKA_PROBE_JS" "$kafkajs" "127.0.0.1:$KAFKA_PORT" "$1" >/dev/null 2>&1
}

_kafka_write_config() {
  local props log4j
  props="$(_kafka_props)"
  log4j="$(_kafka_log4j)"
  mkdir -p "$(dirname "$props")"
  cat >"$props.tmp" <<EOF
# Written by test/services/lib/kafka.sh; rewritten on every start.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$(_kafka_datadir)
# Tests create their topics; a typo must fail, not create a topic.
auto.create.topics.enable=false
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
# One broker: internal topics with one replica, and one partition each (the default 50 partitions
# of __consumer_offsets take seconds to create and load on 2 cores, for nothing).
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
share.coordinator.state.topic.num.partitions=1
# A consumer group's first rebalance starts at once instead of after 3 s.
group.initial.rebalance.delay.ms=0
# Deleted topics' folders go within a second, not a minute (each test suite deletes its topics).
file.delete.delay.ms=1000
num.network.threads=2
num.io.threads=4
EOF
  mv "$props.tmp" "$props"
  cat >"$log4j.tmp" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by test/services/lib/kafka.sh; rewritten on every start. To stdout = logs/kafka.log. -->
<Configuration status="warn" name="kafka" shutdownHook="disable">
  <Appenders>
    <Console name="stdout" target="SYSTEM_OUT">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </Console>
  </Appenders>
  <Loggers>
    <!-- The full config dumps (hundreds of lines, several times per start). -->
    <Logger name="org.apache.kafka.common.config.AbstractConfig" level="warn"/>
    <Logger name="kafka.request.logger" level="warn"/>
    <Root level="info">
      <AppenderRef ref="stdout"/>
    </Root>
  </Loggers>
</Configuration>
EOF
  mv "$log4j.tmp" "$log4j"
}

# _kafka_random_uuid: a Kafka Uuid (16 random bytes, URL-safe base64 without padding), never one
# starting with "-" (what kafka-storage random-uuid avoids too), without starting a JVM for it.
_kafka_random_uuid() {
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    case "$id" in -*) ;; *) break ;; esac
  done
  echo "$id"
}

# _kafka_format: formats the data folder as a one-node KRaft cluster, unless it already is.
_kafka_format() {
  local datadir logfile java cluster_id
  datadir="$(_kafka_datadir)"
  logfile="$(_kafka_log)"
  [ -f "$datadir/meta.properties" ] && return 0
  # Whatever is there without meta.properties (a .lock left by `rm -rf data/kafka/*`, an
  # interrupted format) belongs to no cluster.
  if [ -n "$(ls "$datadir" 2>/dev/null)" ]; then
    log "kafka: $datadir holds no meta.properties (an interrupted format?); clearing it"
  fi
  rm -rf "$datadir"
  mkdir -p "$datadir"
  java="$(_kafka_java)"
  cluster_id="$(_kafka_random_uuid)"
  log "kafka: formatting $datadir (cluster id $cluster_id)"
  printf '\n==== kafka storage format %s ====\n' "$(date -u +%FT%TZ)" >>"$logfile"
  local opts=()
  mapfile -t opts < <(_kafka_jvm_opts)
  "$java" "${opts[@]}" -cp "$(_kafka_classpath)" kafka.tools.StorageTool format \
    -t "$cluster_id" -c "$(_kafka_props)" --standalone >>"$logfile" 2>&1 || {
    tail -n 20 "$logfile" >&2 || true
    rm -rf "$datadir"
    die "kafka: formatting $datadir failed; see $logfile"
  }
}

# _kafka_wait PID: until the broker answers; dies when PID exits or after KAFKA_START_TIMEOUT.
_kafka_wait() {
  local pid="$1" deadline=$((SECONDS + KAFKA_START_TIMEOUT)) logfile
  logfile="$(_kafka_log)"
  until _kafka_probe ready; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$logfile" >&2 || true
      rm -f "$(_kafka_pidfile)"
      # In case the class archive was the cause, the next start goes without (and makes a new one).
      rm -f "$(_kafka_cds_archive)"
      die "kafka: the broker (pid $pid) exited while starting; see $logfile"
    fi
    if [ $SECONDS -ge "$deadline" ]; then
      tail -n 30 "$logfile" >&2 || true
      die "kafka: the broker (pid $pid) did not answer a metadata request on 127.0.0.1:$KAFKA_PORT within ${KAFKA_START_TIMEOUT}s; see $logfile (stop it with: test/services/run down kafka)"
    fi
    sleep 0.3
  done
}

kafka_start() {
  local pid pidfile logfile jsa
  pidfile="$(_kafka_pidfile)"
  logfile="$(_kafka_log)"
  if pid="$(_kafka_pid)"; then
    if _kafka_probe ready; then
      log "kafka: already running (pid $pid)"
      return 0
    fi
    log "kafka: pid $pid is running but not answering yet; waiting for it"
    _kafka_wait "$pid"
    return 0
  fi
  rm -f "$pidfile"
  local port
  for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    if port_open "$port"; then
      die "kafka: 127.0.0.1:$port is taken by a process this script did not start (no live broker in $pidfile); stop it first"
    fi
  done
  _kafka_libs_complete || die "kafka: the Kafka jars are missing; run: test/services/run up kafka"
  _kafka_init_java || die "kafka: no java 17 or newer; run: test/services/run up kafka"
  mkdir -p "$DR_SERVICES_HOME/run" "$(dirname "$logfile")"
  _kafka_write_config
  _kafka_format

  local java opts=()
  java="$(_kafka_java)"
  mapfile -t opts < <(_kafka_jvm_opts)
  jsa="$(_kafka_cds_archive)"
  rm -f "$jsa.new" # left by a broker that did not stop through kafka_stop
  if [ ! -s "$jsa" ]; then
    mkdir -p "$(dirname "$jsa")"
    opts+=("-XX:ArchiveClassesAtExit=$jsa.new")
  fi
  printf '\n==== kafka.Kafka start %s ====\n' "$(date -u +%FT%TZ)" >>"$logfile"
  # setsid: its own session, so neither a terminal's hangup nor the caller's process group reaches
  # it; the inner shell writes its own pid, then becomes java (setsid may fork: $! would be wrong).
  # shellcheck disable=SC2016 # expanded by the inner shell
  # In run/, not the caller's folder (the repository), whatever the JVM may write where it runs.
  (
    cd "$DR_SERVICES_HOME/run" || exit 1
    exec setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" \
      "$java" "${opts[@]}" -cp "$(_kafka_classpath)" kafka.Kafka "$(_kafka_props)"
  ) </dev/null >>"$logfile" 2>&1 &
  local tries=50
  until pid="$(_kafka_pid)" || [ $((tries -= 1)) -le 0 ]; do sleep 0.1; done
  pid="$(_kafka_pid)" || {
    tail -n 20 "$logfile" >&2 || true
    die "kafka: the broker did not start; see $logfile"
  }
  log "kafka: started pid $pid; waiting until it answers on 127.0.0.1:$KAFKA_PORT"
  _kafka_wait "$pid"
}

kafka_stop() {
  local pid jsa="" pidfile killed=0
  pidfile="$(_kafka_pidfile)"
  if ! pid="$(_kafka_pid)"; then
    rm -f "$pidfile"
    return 0
  fi
  if _kafka_init_java; then jsa="$(_kafka_cds_archive)"; fi
  local timeout="$KAFKA_STOP_TIMEOUT"
  if grep -qaF -- '-XX:ArchiveClassesAtExit=' "/proc/$pid/cmdline" 2>/dev/null; then
    # Writing the archive takes the JVM ~5 s of CPU after the broker's own shutdown (~2 s); much
    # longer on a busy machine. Once per install and JDK.
    timeout=$((KAFKA_STOP_TIMEOUT + 90))
    log "kafka: stopping pid $pid; it writes its class archive for faster starts as it exits (once)"
  else
    log "kafka: stopping pid $pid"
  fi
  kill -TERM "$pid" 2>/dev/null || true
  await_exit "$pid" kafka "$timeout" || killed=1
  # The JVM writes the AppCDS archive before it exits, so after a clean exit it is complete, unless
  # writing failed (a full disk): a JVM mapping a truncated archive dies of SIGBUS, so it is only
  # kept when a JVM can start with it (-Xshare:on fails instead of running without it).
  if [ -z "$jsa" ]; then
    :
  elif [ "$killed" = 0 ] && [ -s "$jsa.new" ] \
    && (cd "$DR_SERVICES_HOME/run" && "$(_kafka_java)" -Xshare:on -XX:SharedArchiveFile="$jsa.new" \
      -XX:ErrorFile=/dev/null -cp "$(_kafka_classpath)" -version) >/dev/null 2>&1; then
    mv -f "$jsa.new" "$jsa"
    # Archives of other JDKs (or JDK builds) are of no use any more.
    find "$(dirname "$jsa")" -maxdepth 1 -name '*.jsa' ! -name "$(basename "$jsa")" -delete
    log "kafka: saved the class archive ($jsa)"
  else
    rm -f "$jsa.new"
  fi
  rm -f "$pidfile"
}

kafka_check() {
  _kafka_probe check
}

kafka_env() {
  echo "export KAFKA_BROKERS=127.0.0.1:59092"
}
