# Shared helpers for test/services/run. Sourced, not executed.
# Every service script defines <name>_install, <name>_start, <name>_stop, <name>_check, <name>_env.
# _install and _start are idempotent; _check returns 0 only when the service answers;
# _env prints `export NAME=value` lines.

DR_SERVICES_HOME="${DR_SERVICES_HOME:-/var/tmp/database-replicator}"
export DR_SERVICES_HOME

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] error: %s\n' "$*" >&2; exit 1; }

# apt_install PKG...: installs the Debian packages that are not installed yet.
apt_install() {
  local missing=()
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  if [ -z "${DR_APT_UPDATED:-}" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq >&2 || die "apt-get update failed"
    DR_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >&2 \
    || die "apt-get install ${missing[*]} failed"
}

# port_open PORT: 0 when something listens on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_until SECONDS NAME COMMAND...: polls COMMAND every 0.5 s; dies naming NAME and its log on timeout.
wait_until() {
  local timeout="$1" name="$2"
  shift 2
  local deadline=$((SECONDS + timeout))
  until "$@"; do
    if [ $SECONDS -ge "$deadline" ]; then
      die "$name did not become ready within ${timeout}s; see $DR_SERVICES_HOME/logs/$name.log"
    fi
    sleep 0.5
  done
}

# apt_install_server UNIT PKG...: installs server packages without letting their postinst start
# the packaged default instance (it is not ours and may take a port): a policy-rc.d that exits 101
# makes invoke-rc.d / deb-systemd-invoke skip it. An existing policy-rc.d (Docker images have one)
# is left as it is; ours is removed afterwards. Where systemd runs, UNIT is disabled and stopped.
apt_install_server() {
  local unit="$1"
  shift
  local policy=/usr/sbin/policy-rc.d marker="# database-replicator apt_install_server $$"
  local ours=0 rc=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n%s\nexit 101\n' "$marker" >"$policy" && chmod 755 "$policy" && ours=1
  fi
  (apt_install "$@") || rc=$?
  if [ "$ours" = 1 ] && grep -qxF "$marker" "$policy" 2>/dev/null; then
    rm -f "$policy"
  fi
  [ "$rc" = 0 ] || return "$rc"
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    systemctl disable --now "$unit" >/dev/null 2>&1 || true
  fi
}

# pid_alive PID: 0 while PID runs. A zombie counts as gone: services are started detached, and
# where nothing reaps orphans an exited server stays a zombie that `kill -0` still reports.
pid_alive() {
  kill -0 "$1" 2>/dev/null || return 1
  ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# await_exit PID NAME SECONDS: waits for PID (already asked to stop) to exit; after SECONDS it
# sends SIGKILL and waits up to 10 s more. Returns 0 when it exited by itself, 2 when killed;
# dies when even SIGKILL does not end it.
await_exit() {
  local pid="$1" name="$2" timeout="$3"
  local deadline=$((SECONDS + timeout))
  while pid_alive "$pid"; do
    if [ $SECONDS -ge "$deadline" ]; then
      log "$name: pid $pid still running after ${timeout}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      local killed_at=$SECONDS
      while pid_alive "$pid" && [ $((SECONDS - killed_at)) -lt 10 ]; do sleep 0.2; done
      pid_alive "$pid" && die "$name: pid $pid survived SIGKILL"
      return 2
    fi
    sleep 0.2
  done
  return 0
}
