# mariadb for the integration tests. Sourced by test/services/run; see lib/common.sh for the contract.
#
# One MariaDB server (Debian package, 10.11.x) set up as a CDC source, on loopback only:
#   127.0.0.1:53306, user root / password root (mysql_native_password, all privileges incl.
#   REPLICATION SLAVE and BINLOG MONITOR a.k.a. REPLICATION CLIENT)            (MYSQL_URL)
#   binlog ON in the datadir (mariadb-bin.*), ROW format, FULL row image, server_id 1001,
#   gtid_strict_mode ON, log_slave_updates ON.
# Config:  $DR_SERVICES_HOME/run/mariadb.cnf (rewritten on every start; read with --defaults-file,
#          so /etc/mysql never applies)
# Data:    $DR_SERVICES_HOME/data/mariadb (initialised once with mariadb-install-db)
# Socket:  $DR_SERVICES_HOME/run/mariadb/mariadb.sock, pid file next to it (written by mariadbd)
# Log:     $DR_SERVICES_HOME/logs/mariadb.log (mariadbd's stderr)
# The package's own instance (/var/lib/mysql, port 3306) is never used or started here.

MARIADB_PORT=53306
MARIADB_SERVER_ID=1001
MARIADB_PACKAGES=(mariadb-server mariadb-client)

_mariadb_datadir() { echo "$DR_SERVICES_HOME/data/mariadb"; }
_mariadb_rundir() { echo "$DR_SERVICES_HOME/run/mariadb"; }
_mariadb_conf() { echo "$DR_SERVICES_HOME/run/mariadb.cnf"; }
_mariadb_socket() { echo "$(_mariadb_rundir)/mariadb.sock"; }
_mariadb_pidfile() { echo "$(_mariadb_rundir)/mariadb.pid"; }
_mariadb_log() { echo "$DR_SERVICES_HOME/logs/mariadb.log"; }

# _mariadb_bin NAME: absolute path of a MariaDB program (the server lives in /usr/sbin, which
# need not be on PATH); 1 when it is not installed.
_mariadb_bin() {
  local p
  for p in "$(command -v "$1" 2>/dev/null)" "/usr/sbin/$1" "/usr/bin/$1"; do
    if [ -n "$p" ] && [ -x "$p" ]; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

# The OS user mariadbd runs as: mysql when we are root (mariadbd refuses to run as root), else us.
_mariadb_user() {
  if [ "$(id -u)" = 0 ]; then echo mysql; else id -un; fi
}

# _mariadb_pid: prints the pid of our mariadbd when the pid file names a live mariadbd started with
# our config file; else 1. A pid file left by a machine restart (or a recycled pid) is not ours.
_mariadb_pid() {
  local pidfile pid
  pidfile="$(_mariadb_pidfile)"
  [ -s "$pidfile" ] || return 1
  pid="$(tr -dc '0-9' <"$pidfile")"
  [ -n "$pid" ] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "--defaults-file=$(_mariadb_conf)" || return 1
  echo "$pid"
}

# _mariadb_sql_tcp SQL: runs SQL as root/root over TCP; prints tab-separated rows without headers.
_mariadb_sql_tcp() {
  local client
  client="$(_mariadb_bin mariadb)" || return 1
  MYSQL_PWD=root "$client" --no-defaults --protocol=TCP -h 127.0.0.1 -P "$MARIADB_PORT" -u root \
    --connect-timeout=3 -N -B -e "$1"
}

# _mariadb_sql_socket PASSWORD SQL: runs SQL as root over our unix socket (PASSWORD may be empty).
_mariadb_sql_socket() {
  local client
  client="$(_mariadb_bin mariadb)" || return 1
  MYSQL_PWD="$1" "$client" --no-defaults --protocol=SOCKET -S "$(_mariadb_socket)" -u root \
    --connect-timeout=3 -N -B -e "$2"
}

# _mariadb_alive: 0 when our server accepts connections on its socket (even if root is refused).
_mariadb_alive() {
  local admin
  admin="$(_mariadb_bin mariadb-admin)" || return 1
  [ -S "$(_mariadb_socket)" ] || return 1
  "$admin" --no-defaults --protocol=SOCKET -S "$(_mariadb_socket)" --connect-timeout=2 ping >/dev/null 2>&1
}

mariadb_install() {
  if _mariadb_bin mariadbd >/dev/null && _mariadb_bin mariadb-install-db >/dev/null \
    && _mariadb_bin mariadb >/dev/null && _mariadb_bin mariadb-admin >/dev/null; then
    return 0
  fi
  # Its postinst would start a packaged instance on 3306; ours runs from our own config.
  local rc=0
  apt_install_server mariadb.service "${MARIADB_PACKAGES[@]}" || rc=$?
  [ "$rc" = 0 ] || die "mariadb: installing ${MARIADB_PACKAGES[*]} failed"
  local b
  for b in mariadbd mariadb-install-db mariadb mariadb-admin; do
    _mariadb_bin "$b" >/dev/null || die "mariadb: $b missing after installing ${MARIADB_PACKAGES[*]}"
  done
}

mariadb_write_config() {
  local conf datadir
  conf="$(_mariadb_conf)"
  datadir="$(_mariadb_datadir)"
  cat >"$conf.tmp" <<EOF
# Written by test/services/lib/mariadb.sh; rewritten on every start. Used with --defaults-file,
# so no other option file (/etc/mysql/...) is read.
[mariadbd]
datadir                        = $datadir
socket                         = $(_mariadb_socket)
pid-file                       = $(_mariadb_pidfile)
port                           = $MARIADB_PORT
bind-address                   = 127.0.0.1
skip-name-resolve
# Binary log for CDC: in the datadir, row based, full before/after images, GTIDs strict.
log_bin                        = mariadb-bin
log_bin_index                  = mariadb-bin.index
binlog_format                  = ROW
binlog_row_image               = FULL
server_id                      = $MARIADB_SERVER_ID
gtid_strict_mode               = ON
log_slave_updates              = ON
binlog_expire_logs_seconds     = 172800
max_binlog_size                = 256M
# Test speed over durability.
innodb_flush_log_at_trx_commit = 2
sync_binlog                    = 0
innodb_buffer_pool_size        = 256M
max_connections                = 300
max_allowed_packet             = 256M
character-set-server           = utf8mb4
collation-server               = utf8mb4_unicode_ci

[client]
socket                         = $(_mariadb_socket)
port                           = $MARIADB_PORT
default-character-set          = utf8mb4
EOF
  mv "$conf.tmp" "$conf"
}

# _mariadb_init_datadir: mariadb-install-db on an empty datadir; nothing when already initialised.
_mariadb_init_datadir() {
  local datadir user logfile
  datadir="$(_mariadb_datadir)"
  user="$(_mariadb_user)"
  logfile="$(_mariadb_log)"
  [ -d "$datadir/mysql" ] && return 0
  if [ -n "$(ls -A "$datadir" 2>/dev/null)" ]; then
    die "mariadb: $datadir is not empty but holds no initialised server (no mysql/ system schema); empty it to re-initialise"
  fi
  log "initialising the mariadb datadir $datadir"
  # --cross-bootstrap: no accounts for this machine's host name (which --skip-name-resolve would
  # warn about) and no host name lookup, which can hang without DNS.
  chown -R "$user:" "$datadir"
  printf '\n==== mariadb-install-db %s ====\n' "$(date -u +%FT%TZ)" >>"$logfile"
  "$(_mariadb_bin mariadb-install-db)" --defaults-file="$(_mariadb_conf)" --user="$user" \
    --datadir="$datadir" --auth-root-authentication-method=normal --skip-test-db \
    --cross-bootstrap >>"$logfile" 2>&1 || {
    tail -n 20 "$logfile" >&2 || true
    die "mariadb: mariadb-install-db failed; see $logfile"
  }
  chown -R "$user:" "$datadir"
}

# _mariadb_secure_root: gives root the password 'root' and TCP access from 127.0.0.1 with
# mysql_native_password (what zongji and mysql2 authenticate with most reliably). Runs on the first
# start of a fresh datadir, and again whenever root/root over TCP is refused while root without a
# password still gets in over the socket (e.g. a first start that was interrupted).
_mariadb_secure_root() {
  _mariadb_sql_tcp 'SELECT 1' >/dev/null 2>&1 && return 0
  local sql
  sql="ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('root');
CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED VIA mysql_native_password USING PASSWORD('root');
ALTER USER 'root'@'127.0.0.1' IDENTIFIED VIA mysql_native_password USING PASSWORD('root');
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
DROP USER IF EXISTS 'root'@'::1';
FLUSH PRIVILEGES;"
  if _mariadb_sql_socket '' 'SELECT 1' >/dev/null 2>&1; then
    log "mariadb: setting up root/root for 127.0.0.1"
    _mariadb_sql_socket '' "$sql" >&2 || die "mariadb: setting the root password failed"
  elif _mariadb_sql_socket root 'SELECT 1' >/dev/null 2>&1; then
    # root@localhost already has its password; root@127.0.0.1 is missing or wrong.
    log "mariadb: repairing root access from 127.0.0.1"
    _mariadb_sql_socket root "$sql" >&2 || die "mariadb: granting root access from 127.0.0.1 failed"
  else
    die "mariadb: root can log in neither with password 'root' nor without one; empty $(_mariadb_datadir) to re-initialise"
  fi
}

mariadb_start() {
  if mariadb_check; then
    log "mariadb already running on 127.0.0.1:$MARIADB_PORT"
    return 0
  fi
  local datadir rundir user logfile pid
  datadir="$(_mariadb_datadir)"
  rundir="$(_mariadb_rundir)"
  user="$(_mariadb_user)"
  logfile="$(_mariadb_log)"
  if pid="$(_mariadb_pid)"; then
    # Ours, alive, but not answering yet (still starting, or crash recovery): give it the time.
    log "mariadb (pid $pid) is running but not answering yet; waiting"
    wait_until 120 mariadb _mariadb_alive
    _mariadb_secure_root
    wait_until 30 mariadb mariadb_check
    return 0
  fi
  if port_open "$MARIADB_PORT"; then
    die "mariadb: port $MARIADB_PORT on 127.0.0.1 is taken by something that does not accept root/root; stop it first"
  fi
  local sock
  sock="$(_mariadb_socket)"
  [ ${#sock} -lt 100 ] || die "mariadb: socket path $sock is too long for a unix socket; use a shorter DR_SERVICES_HOME"

  mkdir -p "$datadir" "$rundir" "$DR_SERVICES_HOME/logs"
  touch "$logfile"
  chown "$user:" "$datadir" "$rundir" "$logfile"
  # A pid file or socket left behind by a machine restart or a crash: not ours any more.
  rm -f "$(_mariadb_pidfile)" "$sock" "$sock.lock"
  if command -v runuser >/dev/null 2>&1 && [ "$user" != "$(id -un)" ] \
    && ! runuser -u "$user" -- test -w "$datadir" -a -w "$rundir"; then
    die "mariadb: user $user cannot write $datadir or $rundir (is a parent of $DR_SERVICES_HOME closed to others?)"
  fi

  mariadb_write_config
  _mariadb_init_datadir

  printf '\n==== mariadbd starting %s ====\n' "$(date -u +%FT%TZ)" >>"$logfile"
  setsid nohup "$(_mariadb_bin mariadbd)" --defaults-file="$(_mariadb_conf)" --user="$user" \
    </dev/null >>"$logfile" 2>&1 &
  local launched=$!
  local deadline=$((SECONDS + 120))
  until _mariadb_alive; do
    if ! kill -0 "$launched" 2>/dev/null && ! _mariadb_pid >/dev/null; then
      tail -n 30 "$logfile" >&2 || true
      die "mariadbd exited during startup; see $logfile"
    fi
    if [ $SECONDS -ge $deadline ]; then
      die "mariadb did not start accepting connections within 120s; see $logfile"
    fi
    sleep 0.2
  done
  _mariadb_secure_root
  wait_until 30 mariadb mariadb_check
}

mariadb_stop() {
  local pid
  if ! pid="$(_mariadb_pid)"; then
    rm -f "$(_mariadb_pidfile)"
    if port_open "$MARIADB_PORT"; then
      log "mariadb: something listens on 127.0.0.1:$MARIADB_PORT but has no pid file under $(_mariadb_rundir); not touching it"
    else
      log "mariadb is not running"
    fi
    return 0
  fi
  log "stopping mariadb (pid $pid)"
  local admin
  if admin="$(_mariadb_bin mariadb-admin)"; then
    MYSQL_PWD=root "$admin" --no-defaults --protocol=SOCKET -S "$(_mariadb_socket)" -u root \
      --connect-timeout=3 shutdown >/dev/null 2>&1 \
      || "$admin" --no-defaults --protocol=SOCKET -S "$(_mariadb_socket)" -u root \
        --connect-timeout=3 shutdown >/dev/null 2>&1 \
      || kill -TERM "$pid" 2>/dev/null || true
  else
    kill -TERM "$pid" 2>/dev/null || true
  fi
  await_exit "$pid" mariadb 60 || true
  rm -f "$(_mariadb_pidfile)"
}

# mariadb_check: 0 only when `SELECT 1` as root/root over TCP 127.0.0.1:53306 works.
mariadb_check() {
  port_open "$MARIADB_PORT" || return 1
  local out
  out="$(_mariadb_sql_tcp 'SELECT 1' 2>/dev/null)" || return 1
  [ "$out" = 1 ]
}

mariadb_env() {
  echo "export MYSQL_URL=mysql://root:root@127.0.0.1:53306/"
}
