# postgres for the integration tests. Sourced by test/services/run; see lib/common.sh for the contract.
# STUB: being written.

postgres_install() { die "postgres: install not written yet"; }
postgres_start() { die "postgres: start not written yet"; }
postgres_stop() { :; }
postgres_check() { return 1; }
postgres_env() {
  echo "export PG_SOURCE_URL=postgresql://postgres:postgres@127.0.0.1:55432/postgres"
  echo "export PG_TARGET_URL=postgresql://postgres:postgres@127.0.0.1:55433/postgres"
}
