# ferretdb for the integration tests. Sourced by test/services/run; see lib/common.sh for the contract.
#
# FerretDB 1.24 (MongoDB wire protocol) on its SQLite backend, listening on 127.0.0.1:57017 only,
# no auth, telemetry disabled, debug/metrics HTTP listener disabled.
#
# Install: built from source fetched through the Go module proxy (there is no Debian package and
# release downloads are not reachable), into $DR_SERVICES_HOME/cache/bin/ferretdb-<version>.
# The module zip lacks the generated build/version/version.txt (a plain `go install` builds a
# binary that panics at start-up), so the build runs in a writable copy of the module with that
# file written. Go module/build caches live under $DR_SERVICES_HOME/cache/go and are reused.
# A cold build (downloads included) takes 3-5 minutes on 2 cores; the SQLite backend is in the
# default build (only the `ferretdb_no_sqlite` tag would remove it) and is pure Go: CGO_ENABLED=0.
#
# Data: $DR_SERVICES_HOME/data/ferretdb (one <database>.sqlite file per database, plus FerretDB's
# state.json). Log: $DR_SERVICES_HOME/logs/ferretdb.log. Pid: $DR_SERVICES_HOME/run/ferretdb.pid.

FERRETDB_VERSION="${FERRETDB_VERSION:-v1.24.2}"
FERRETDB_PORT=57017
# FerretDB 1.24's go.mod says `go 1.24`; an older go fetches this toolchain (a module on the proxy).
FERRETDB_GO_TOOLCHAIN=go1.24.3

_ferretdb_bin() { echo "$DR_SERVICES_HOME/cache/bin/ferretdb-$FERRETDB_VERSION"; }
_ferretdb_data() { echo "$DR_SERVICES_HOME/data/ferretdb"; }
_ferretdb_pidfile() { echo "$DR_SERVICES_HOME/run/ferretdb.pid"; }
_ferretdb_log() { echo "$DR_SERVICES_HOME/logs/ferretdb.log"; }

# _ferretdb_go_env: exports the Go settings the build uses (caches reusable across runs).
_ferretdb_go_env() {
  local gohome="$DR_SERVICES_HOME/cache/go"
  export GOPATH="$gohome" GOMODCACHE="$gohome/pkg/mod" GOCACHE="$gohome/build"
  export GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=local
}

# _ferretdb_go: prints the path of a go command new enough (>= 1.24) to build FerretDB.
_ferretdb_go() {
  if ! command -v go >/dev/null 2>&1; then
    apt_install golang-go
    hash -r
  fi
  local go_cmd minor
  go_cmd="$(command -v go)" || die "ferretdb: no go command after installing golang-go"
  minor="$("$go_cmd" env GOVERSION | sed -n 's/^go1\.\([0-9]\{1,\}\).*/\1/p')"
  if [ -z "$minor" ] || [ "$minor" -ge 24 ]; then # empty: a devel toolchain
    echo "$go_cmd"
    return 0
  fi
  # Debian 12's golang-go is 1.19, too old and unable to switch toolchains by itself: fetch the
  # toolchain module the same way a newer go command would, and make its tools executable.
  local arch toolchain_dir dir
  arch="$("$go_cmd" env GOARCH)"
  toolchain_dir="$DR_SERVICES_HOME/cache/go/toolchain/$FERRETDB_GO_TOOLCHAIN"
  if [ ! -x "$toolchain_dir/bin/go" ]; then
    log "ferretdb: $("$go_cmd" env GOVERSION) is too old; fetching Go toolchain $FERRETDB_GO_TOOLCHAIN as a module"
    dir="$(
      _ferretdb_go_env
      mkdir -p "$GOPATH" && cd "$GOPATH" \
        && "$go_cmd" mod download -json "golang.org/toolchain@v0.0.1-$FERRETDB_GO_TOOLCHAIN.linux-$arch" \
        | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'
    )"
    [[ -n "$dir" && -d "$dir" ]] || die "ferretdb: could not download the Go toolchain module $FERRETDB_GO_TOOLCHAIN"
    rm -rf "$toolchain_dir.tmp"
    mkdir -p "$(dirname "$toolchain_dir")"
    cp -r "$dir" "$toolchain_dir.tmp"
    chmod -R u+w "$toolchain_dir.tmp"
    chmod +x "$toolchain_dir.tmp"/bin/* "$toolchain_dir.tmp"/pkg/tool/*/*
    rm -rf "$toolchain_dir"
    mv "$toolchain_dir.tmp" "$toolchain_dir"
  fi
  echo "$toolchain_dir/bin/go"
}

ferretdb_install() {
  local bin
  bin="$(_ferretdb_bin)"
  [ -x "$bin" ] && return 0
  local t0=$SECONDS go_cmd dir src
  go_cmd="$(_ferretdb_go)"
  (
    _ferretdb_go_env
    log "ferretdb: building FerretDB $FERRETDB_VERSION with $("$go_cmd" env GOVERSION) (3-5 minutes on 2 cores)"
    mkdir -p "$GOPATH" "$(dirname "$bin")"
    dir="$(cd "$GOPATH" && "$go_cmd" mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" \
      | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
    [[ -n "$dir" && -d "$dir" ]] || die "ferretdb: go mod download github.com/FerretDB/FerretDB@$FERRETDB_VERSION failed"
    # A writable copy of the module (the module cache is read-only) with the generated version file.
    src="$GOPATH/src/ferretdb-$FERRETDB_VERSION"
    rm -rf "$src"
    mkdir -p "$(dirname "$src")"
    cp -r "$dir" "$src"
    chmod -R u+w "$src"
    echo "$FERRETDB_VERSION" >"$src/build/version/version.txt"
    (cd "$src" && "$go_cmd" build -trimpath -o "$bin.tmp" ./cmd/ferretdb) >&2 \
      || die "ferretdb: go build of FerretDB $FERRETDB_VERSION failed"
    mv "$bin.tmp" "$bin"
    rm -rf "$src"
  ) || exit 1
  "$bin" --version >/dev/null 2>&1 || die "ferretdb: the built binary $bin does not run"
  log "ferretdb: built $bin in $((SECONDS - t0)) s"
}

# _ferretdb_pid: prints the pid from the pid file when that process is a FerretDB still running.
_ferretdb_pid() {
  local pidfile pid
  pidfile="$(_ferretdb_pidfile)"
  [ -f "$pidfile" ] || return 1
  pid="$(cat "$pidfile" 2>/dev/null)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  pid_alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q ferretdb || return 1
  echo "$pid"
}

# ferretdb_check: 0 when a MongoDB-protocol server on 127.0.0.1:57017 answers {ping: 1} with ok: 1.
# Speaks OP_MSG over a raw socket so that it works before `npm ci` has installed the driver.
ferretdb_check() {
  port_open "$FERRETDB_PORT" || return 1
  # shellcheck disable=SC2016 # JavaScript, not shell
  node -e '
    const net = require("node:net");
    // BSON {ping: 1, $db: "admin"}
    const doc = Buffer.concat([
      Buffer.from([30, 0, 0, 0, 0x10]), Buffer.from("ping\0"), Buffer.from([1, 0, 0, 0]),
      Buffer.from([0x02]), Buffer.from("$db\0"), Buffer.from([6, 0, 0, 0]), Buffer.from("admin\0"),
      Buffer.from([0]),
    ]);
    const header = Buffer.alloc(21); // messageLength, requestID, responseTo, opCode, flagBits, kind 0
    header.writeInt32LE(21 + doc.length, 0);
    header.writeInt32LE(1, 4);
    header.writeInt32LE(2013, 12);
    const socket = net.connect(Number(process.argv[1]), "127.0.0.1");
    socket.setTimeout(3000, () => process.exit(1));
    socket.on("error", () => process.exit(1));
    socket.on("connect", () => socket.write(Buffer.concat([header, doc])));
    let got = Buffer.alloc(0);
    socket.on("data", (chunk) => {
      got = Buffer.concat([got, chunk]);
      if (got.length < 4 || got.length < got.readInt32LE(0)) return;
      const at = got.indexOf(Buffer.from("ok\0"), 21) - 1;
      const ok = at < 21 ? 0 : got[at] === 0x01 ? got.readDoubleLE(at + 4)
        : got[at] === 0x10 ? got.readInt32LE(at + 4) : 0;
      process.exit(ok === 1 ? 0 : 1);
    });
  ' "$FERRETDB_PORT" 2>/dev/null
}

ferretdb_start() {
  local bin data pidfile logfile pid
  bin="$(_ferretdb_bin)"
  data="$(_ferretdb_data)"
  pidfile="$(_ferretdb_pidfile)"
  logfile="$(_ferretdb_log)"
  if pid="$(_ferretdb_pid)"; then
    if ferretdb_check; then
      log "ferretdb: already running (pid $pid)"
      return 0
    fi
  else
    rm -f "$pidfile"
    if ferretdb_check; then
      log "ferretdb: something already answers on 127.0.0.1:$FERRETDB_PORT (not started by this script); using it"
      return 0
    fi
    if port_open "$FERRETDB_PORT"; then
      die "ferretdb: 127.0.0.1:$FERRETDB_PORT is taken by a process that does not answer as MongoDB"
    fi
    [ -x "$bin" ] || die "ferretdb: $bin is missing; run: test/services/run up ferretdb"
    mkdir -p "$data" "$(dirname "$pidfile")" "$(dirname "$logfile")"
    log "ferretdb: starting FerretDB $FERRETDB_VERSION (SQLite backend, data in $data)"
    # --debug-addr=- disables the HTTP metrics/debug listener; --telemetry=disable and DO_NOT_TRACK
    # stop the usage reports, and the reporting URL points at loopback should anything still try.
    (
      cd "$data" || exit 1
      DO_NOT_TRACK=1 setsid nohup "$bin" \
        --handler=sqlite \
        --sqlite-url="file:$data/" \
        --listen-addr="127.0.0.1:$FERRETDB_PORT" \
        --debug-addr=- \
        --state-dir="$data" \
        --telemetry=disable \
        --test-telemetry-url=http://127.0.0.1:9/ \
        --log-level=info \
        >>"$logfile" 2>&1 </dev/null &
      echo $! >"$pidfile"
    )
    pid="$(cat "$pidfile")"
  fi
  local deadline=$((SECONDS + 60))
  until ferretdb_check; do
    if ! pid_alive "$pid"; then
      rm -f "$pidfile"
      tail -n 20 "$logfile" >&2 || true
      die "ferretdb exited during start-up; see $logfile"
    fi
    [ $SECONDS -lt "$deadline" ] \
      || die "ferretdb (pid $pid) did not answer a ping on 127.0.0.1:$FERRETDB_PORT within 60 s; see $logfile"
    sleep 0.3
  done
}

ferretdb_stop() {
  local pid pidfile
  pidfile="$(_ferretdb_pidfile)"
  if ! pid="$(_ferretdb_pid)"; then
    rm -f "$pidfile"
    ferretdb_check && log "ferretdb: a server answers on 127.0.0.1:$FERRETDB_PORT but was not started by this script; left alone"
    return 0
  fi
  log "ferretdb: stopping pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  await_exit "$pid" ferretdb 20 || true
  rm -f "$pidfile"
}

ferretdb_env() {
  echo "export MONGO_URL=mongodb://127.0.0.1:57017/"
}
