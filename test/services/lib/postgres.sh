# postgres for the integration tests. Sourced by test/services/run; see lib/common.sh for the contract.
#
# Three independent PostgreSQL 15 clusters (Debian packages), on loopback only:
#   source  127.0.0.1:55432   (PG_SOURCE_URL)
#   target  127.0.0.1:55433   (PG_TARGET_URL)
#   plain   127.0.0.1:55434   (PG_PLAIN_URL)
# Superuser postgres / password postgres (scram-sha-256 over TCP, replication connections included).
# wal_level=logical on source and target, so the target can also subscribe to the source; plain has
# the same settings but wal_level=replica (the server default), for tests of what a source that
# cannot feed logical replication is told.
# Data:    $DR_SERVICES_HOME/data/postgres-{source,target,plain} (initdb once; owned by the postgres OS user)
# Config:  dr-test.conf + pg_hba.conf inside each data dir, rewritten on every start
# Sockets: $DR_SERVICES_HOME/run/postgres, mode 0700: local connections are trusted (no password), so
#          only root and the postgres user may reach them (psql -h <that dir> -p 55432 -U postgres)
# Logs:    $DR_SERVICES_HOME/logs/postgres-{source,target,plain}.log
# The clusters are run with initdb/pg_ctl directly, never through pg_ctlcluster or systemd, so a Debian
# "main" cluster on 5432 (if the package created one) is neither used nor touched.

PG_BIN=/usr/lib/postgresql/15/bin
# The contrib modules ship inside postgresql-15 on Debian 12 (postgresql-contrib is only a metapackage).
PG_PACKAGES=(postgresql-15 postgresql-client-15)
PG_CLUSTERS=(source target plain)
PG_PASSWORD=postgres

_pg_port() {
  case "$1" in
    source) echo 55432 ;;
    target) echo 55433 ;;
    plain) echo 55434 ;;
    *) die "postgres: unknown cluster '$1'" ;;
  esac
}
# Absolute, because commands run as the postgres user start from `cd /`.
_pg_home() { realpath -m -- "$DR_SERVICES_HOME"; }
_pg_datadir() { echo "$(_pg_home)/data/postgres-$1"; }
_pg_log() { echo "$(_pg_home)/logs/postgres-$1.log"; }
_pg_sockdir() { echo "$(_pg_home)/run/postgres"; }

# _pg_as_postgres CMD...: runs CMD as the postgres OS user (the server refuses to run as root).
# From / so that a cwd the postgres user cannot read does not make initdb/pg_ctl fail.
_pg_as_postgres() {
  if [ "$(id -u)" = "$(id -u postgres)" ]; then
    (cd / && "$@")
  elif [ "$(id -u)" = 0 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    die "postgres: run as root (or as the postgres user)"
  fi
}

# _pg_ready NAME: 0 when the cluster accepts connections on its TCP port (what the tests use).
_pg_ready() {
  "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$(_pg_port "$1")" -U postgres -d postgres -t 2
}

# _pg_postmaster_alive NAME: 0 when postmaster.pid names a live postmaster serving this data dir.
# `kill -0` alone is not enough: after a reboot the recorded pid may belong to an unrelated
# process, or to the other cluster's postmaster; the postmaster chdirs into its data dir, so
# comparing /proc/PID/cwd tells ours apart.
_pg_postmaster_alive() {
  local dir pid
  dir="$(_pg_datadir "$1")"
  pid="$(head -n 1 "$dir/postmaster.pid" 2>/dev/null)" || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$(readlink -f "$dir")" ]
}

# _pg_clear_stale_locks NAME: removes lock files of a postmaster that no longer runs. postgres
# would remove them itself unless the recorded pid was recycled by another postgres-owned process,
# in which case it refuses to start ("lock file already exists"). Only call when not alive.
_pg_clear_stale_locks() {
  local port sockdir
  port="$(_pg_port "$1")"
  sockdir="$(_pg_sockdir)"
  rm -f "$(_pg_datadir "$1")/postmaster.pid" "$sockdir/.s.PGSQL.$port" "$sockdir/.s.PGSQL.$port.lock"
}

# _pg_prepare_dirs: directories the postgres user must traverse or own. The shared parents keep
# their owner; they only need to be traversable (a umask of 077 would otherwise lock postgres out).
_pg_prepare_dirs() {
  local home sockdir name
  home="$(_pg_home)"
  sockdir="$(_pg_sockdir)"
  mkdir -p "$home/data" "$home/logs" "$home/run" "$sockdir"
  chmod a+x "$home" "$home/data" "$home/logs" "$home/run"
  chown postgres:postgres "$sockdir"
  chmod 0700 "$sockdir"
  # A unix socket path is limited to 107 bytes; postgres would only say so in its log.
  [ ${#sockdir} -le 90 ] || die "postgres: socket dir $sockdir is too long for a unix socket; use a shorter DR_SERVICES_HOME"
  for name in "${PG_CLUSTERS[@]}"; do
    touch "$(_pg_log "$name")"
    chown postgres:postgres "$(_pg_log "$name")"
  done
}

# _pg_init NAME: initdb once. The marker is written only after initdb succeeded, so a data dir left
# half-made by an interrupted init (it never held data) is wiped and initialised again.
_pg_init() {
  local dir pwfile
  dir="$(_pg_datadir "$1")"
  [ -f "$dir/.dr-initialised" ] && return 0
  if [ -e "$dir" ]; then
    ! _pg_postmaster_alive "$1" || die "postgres-$1: a server runs in $dir but its .dr-initialised marker is gone; stop it before re-initialising"
    log "postgres-$1: $dir is not a finished initdb; initialising it again"
    rm -rf "$dir"
  fi
  mkdir -p "$dir"
  chown postgres:postgres "$dir"
  chmod 0700 "$dir"
  pwfile="$(mktemp)"
  printf '%s\n' "$PG_PASSWORD" >"$pwfile"
  chown postgres "$pwfile"
  log "postgres-$1: initdb $dir"
  # C.UTF-8 is built into glibc, so this works without the locales package.
  if ! _pg_as_postgres "$PG_BIN/initdb" -D "$dir" -U postgres --pwfile="$pwfile" \
    --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 --no-sync \
    >>"$(_pg_log "$1")" 2>&1; then
    rm -f "$pwfile"
    die "postgres-$1: initdb failed; see $(_pg_log "$1")"
  fi
  rm -f "$pwfile"
  # Our settings live in dr-test.conf, included last so they win over initdb's defaults.
  echo "include 'dr-test.conf'" >>"$dir/postgresql.conf"
  _pg_as_postgres touch "$dir/.dr-initialised"
}

# _pg_wal_level NAME: plain is the one cluster that cannot feed logical replication.
_pg_wal_level() {
  case "$1" in
    plain) echo replica ;;
    *) echo logical ;;
  esac
}

# _pg_write_config NAME: (re)writes our settings, so edits to this script apply on the next start.
_pg_write_config() {
  local dir
  dir="$(_pg_datadir "$1")"
  cat >"$dir/dr-test.conf" <<EOF
# Written by test/services/lib/postgres.sh on every start; edit the script, not this file.
listen_addresses = '127.0.0.1'
port = $(_pg_port "$1")
unix_socket_directories = '$(_pg_sockdir)'
cluster_name = 'dr-$1'
max_connections = 200
shared_buffers = 128MB
# Logical replication: the replicator reads the source through slots, and the target may subscribe
# (plain: replica, so slots and senders exist but logical decoding is refused).
wal_level = $(_pg_wal_level "$1")
max_replication_slots = 40
max_wal_senders = 40
max_logical_replication_workers = 16
max_worker_processes = 32
# Throwaway test data: durability costs time and buys nothing here.
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  cat >"$dir/pg_hba.conf" <<'EOF'
# Written by test/services/lib/postgres.sh on every start; edit the script, not this file.
# TYPE  DATABASE     USER  ADDRESS        METHOD
local   all          all                  trust
local   replication  all                  trust
host    all          all   127.0.0.1/32   scram-sha-256
host    all          all   ::1/128        scram-sha-256
host    replication  all   127.0.0.1/32   scram-sha-256
host    replication  all   ::1/128        scram-sha-256
EOF
  chown postgres:postgres "$dir/dr-test.conf" "$dir/pg_hba.conf"
}

# _pg_start_one NAME: starts the cluster unless its postmaster already runs, then waits for it.
_pg_start_one() {
  local name="$1" dir
  dir="$(_pg_datadir "$name")"
  if ! _pg_postmaster_alive "$name"; then
    _pg_clear_stale_locks "$name"
    _pg_write_config "$name"
    log "postgres-$name: starting on 127.0.0.1:$(_pg_port "$name")"
    # -w returns as soon as the postmaster is ready, or fails fast when it exits (bad config,
    # port taken, data damaged by a crash with fsync=off).
    if ! _pg_as_postgres "$PG_BIN/pg_ctl" start -D "$dir" -l "$(_pg_log "$name")" -w -t 60 -s; then
      tail -n 5 "$(_pg_log "$name")" >&2
      die "postgres-$name did not start; see $(_pg_log "$name") (port taken? data damaged by a crash with fsync=off: remove $dir and run up again)"
    fi
  fi
  wait_until 60 "postgres-$name" _pg_ready "$name"
}

postgres_install() {
  # The package would start Debian's own cluster on 5432; ours are started from our data dirs.
  apt_install_server postgresql.service "${PG_PACKAGES[@]}" || die "postgres: installing ${PG_PACKAGES[*]} failed"
  if [ ! -x "$PG_BIN/initdb" ] || [ ! -x "$PG_BIN/pg_ctl" ]; then
    die "postgres: $PG_BIN/initdb or pg_ctl is missing although ${PG_PACKAGES[*]} are installed"
  fi
  id -u postgres >/dev/null 2>&1 || die "postgres: the postgres OS user is missing (the Debian package creates it)"
}

postgres_start() {
  local name
  _pg_prepare_dirs
  for name in "${PG_CLUSTERS[@]}"; do
    _pg_init "$name"
    _pg_start_one "$name"
  done
}

postgres_stop() {
  local name
  for name in "${PG_CLUSTERS[@]}"; do
    _pg_postmaster_alive "$name" || continue
    log "postgres-$name: stopping"
    _pg_as_postgres "$PG_BIN/pg_ctl" stop -D "$(_pg_datadir "$name")" -m fast -w -t 60 -s \
      || die "postgres-$name did not stop; see $(_pg_log "$name")"
  done
}

postgres_check() {
  [ -x "$PG_BIN/pg_isready" ] || return 1
  _pg_ready source && _pg_ready target && _pg_ready plain
}

postgres_env() {
  echo "export PG_SOURCE_URL=postgresql://postgres:postgres@127.0.0.1:55432/postgres"
  echo "export PG_TARGET_URL=postgresql://postgres:postgres@127.0.0.1:55433/postgres"
  echo "export PG_PLAIN_URL=postgresql://postgres:postgres@127.0.0.1:55434/postgres"
}
