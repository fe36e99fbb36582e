#!/usr/bin/env bash
# Installs the third-party tools the benchmark compares against, when missing.
# Called by the harness (test/bench/main.ts) at start; safe to run by hand, idempotent.
#   pgloader 3.6.x (Debian package): the MySQL/MariaDB -> PostgreSQL and SQLite -> PostgreSQL baseline.
# pg_dump, pg_restore and psql come with postgresql-client-15, which test/services/run installs.
set -euo pipefail

missing=()
command -v pgloader >/dev/null 2>&1 || missing+=(pgloader)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "[bench] error: ${missing[*]} missing and not root; install as root: apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "[bench] installing Debian packages: ${missing[*]}" >&2
# The lock timeout waits out another apt run (test/services/run may be installing at the same time).
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >&2
command -v pgloader >/dev/null 2>&1 || {
  echo "[bench] error: pgloader still missing after apt-get install" >&2
  exit 1
}
