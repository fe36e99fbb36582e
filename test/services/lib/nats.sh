# nats for the integration tests. Sourced by test/services/run; see lib/common.sh for the contract.
#
# One nats-server (Debian package, 2.9.x) with JetStream, on loopback only:
#   client port   127.0.0.1:54222  (NATS_URL)
#   monitoring    127.0.0.1:58222  (/healthz, /varz, /jsz; used by nats_check)
# Config:  $DR_SERVICES_HOME/run/nats.conf (rewritten on every start)
# Data:    $DR_SERVICES_HOME/data/nats (JetStream store_dir)
# Pid:     $DR_SERVICES_HOME/run/nats.pid (written by nats-server itself)
# Log:     $DR_SERVICES_HOME/logs/nats.log
# The package's own systemd unit (nats-server.service, port 4222) is never used or started here.

NATS_PORT=54222
NATS_HTTP_PORT=58222
NATS_BIN=/usr/sbin/nats-server

_nats_conf() { echo "$DR_SERVICES_HOME/run/nats.conf"; }
_nats_pidfile() { echo "$DR_SERVICES_HOME/run/nats.pid"; }
_nats_log() { echo "$DR_SERVICES_HOME/logs/nats.log"; }

# _nats_pid: prints the pid of our nats-server when the pid file names a live nats-server; else 1.
_nats_pid() {
  local pidfile pid
  pidfile="$(_nats_pidfile)"
  [ -s "$pidfile" ] || return 1
  pid="$(tr -dc '0-9' <"$pidfile")"
  [ -n "$pid" ] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # A recycled pid belonging to something else is not ours.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "nats-server" || return 1
  echo "$pid"
}

nats_install() {
  if [ -x "$NATS_BIN" ] && command -v curl >/dev/null 2>&1; then
    return 0
  fi
  local rc=0
  apt_install_server nats-server.service nats-server curl || rc=$?
  [ "$rc" = 0 ] || die "nats: installing nats-server failed"
  [ -x "$NATS_BIN" ] || die "nats: $NATS_BIN missing after installing the nats-server package"
}

nats_write_config() {
  local conf store
  conf="$(_nats_conf)"
  store="$DR_SERVICES_HOME/data/nats"
  mkdir -p "$store" "$DR_SERVICES_HOME/run" "$DR_SERVICES_HOME/logs"
  cat >"$conf.tmp" <<EOF
# Written by test/services/lib/nats.sh; rewritten on every start.
server_name: dr_test_nats
host: 127.0.0.1
port: $NATS_PORT
http: "127.0.0.1:$NATS_HTTP_PORT"
pid_file: "$(_nats_pidfile)"
max_payload: 8MB
jetstream {
  store_dir: "$store"
  max_memory_store: 256MB
  max_file_store: 2GB
}
EOF
  mv "$conf.tmp" "$conf"
}

nats_start() {
  if nats_check; then
    log "nats already running on 127.0.0.1:$NATS_PORT"
    return 0
  fi
  local pid
  if pid="$(_nats_pid)"; then
    # Ours, alive, but not healthy yet (e.g. still starting): give it the usual time.
    log "nats (pid $pid) is running but not healthy yet; waiting"
    wait_until 30 nats nats_check
    return 0
  fi
  rm -f "$(_nats_pidfile)"
  if port_open "$NATS_PORT" || port_open "$NATS_HTTP_PORT"; then
    die "nats: port $NATS_PORT or $NATS_HTTP_PORT on 127.0.0.1 is taken by something that is not a healthy nats with JetStream; stop it first"
  fi
  nats_write_config
  local conftest
  conftest="$("$NATS_BIN" -t -c "$(_nats_conf)" 2>&1)" || die "nats: config $(_nats_conf) rejected: $conftest"
  local logfile
  logfile="$(_nats_log)"
  printf '\n==== nats-server starting %s ====\n' "$(date -u +%FT%TZ)" >>"$logfile"
  setsid nohup "$NATS_BIN" -c "$(_nats_conf)" </dev/null >>"$logfile" 2>&1 &
  local launched=$!
  local deadline=$((SECONDS + 30)) gone=0
  until nats_check; do
    # setsid normally execs in place, so $! is nats-server; should it fork instead, the pid file
    # nats-server writes takes over. Neither alive for 1 s means it exited.
    if ! kill -0 "$launched" 2>/dev/null && ! _nats_pid >/dev/null; then
      gone=$((gone + 1))
    else
      gone=0
    fi
    if [ $gone -ge 5 ]; then
      tail -n 20 "$logfile" >&2 || true
      die "nats-server exited during startup; see $logfile"
    fi
    if [ $SECONDS -ge $deadline ]; then
      die "nats did not become healthy with JetStream within 30s (http://127.0.0.1:$NATS_HTTP_PORT/healthz); see $logfile"
    fi
    sleep 0.2
  done
}

nats_stop() {
  local pid
  if ! pid="$(_nats_pid)"; then
    rm -f "$(_nats_pidfile)"
    if port_open "$NATS_PORT"; then
      log "nats: something listens on 127.0.0.1:$NATS_PORT but has no pid file under $DR_SERVICES_HOME/run; not touching it"
    else
      log "nats is not running"
    fi
    return 0
  fi
  log "stopping nats (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  await_exit "$pid" nats 15 || true
  rm -f "$(_nats_pidfile)"
}

# nats_check: 0 only when the server answers on both ports and reports JetStream enabled.
nats_check() {
  port_open "$NATS_PORT" || return 1
  local health jsz
  health="$(curl -fsS --max-time 2 "http://127.0.0.1:$NATS_HTTP_PORT/healthz?js-enabled-only=true" 2>/dev/null)" || return 1
  case "$health" in *'"status"'*'"ok"'*) ;; *) return 1 ;; esac
  # /healthz in 2.9 ignores unknown parameters; /jsz says for certain whether JetStream is on.
  jsz="$(curl -fsS --max-time 2 "http://127.0.0.1:$NATS_HTTP_PORT/jsz" 2>/dev/null)" || return 1
  case "$jsz" in *'"disabled": true'* | *'"disabled":true'*) return 1 ;; esac
  case "$jsz" in *'"config"'*'"store_dir"'*) return 0 ;; *) return 1 ;; esac
}

nats_env() {
  echo "export NATS_URL=nats://127.0.0.1:54222"
}
