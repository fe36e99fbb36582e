# ferretdb for the integration tests. Sourced by test/services/run; see lib/common.sh for the contract.
# STUB: being written.

ferretdb_install() { die "ferretdb: install not written yet"; }
ferretdb_start() { die "ferretdb: start not written yet"; }
ferretdb_stop() { :; }
ferretdb_check() { return 1; }
ferretdb_env() {
  echo "export MONGO_URL=mongodb://127.0.0.1:57017/"
}
