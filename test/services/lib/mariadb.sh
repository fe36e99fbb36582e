# mariadb for the integration tests. Sourced by test/services/run; see lib/common.sh for the contract.
# STUB: being written.

mariadb_install() { die "mariadb: install not written yet"; }
mariadb_start() { die "mariadb: start not written yet"; }
mariadb_stop() { :; }
mariadb_check() { return 1; }
mariadb_env() {
  echo "export MYSQL_URL=mysql://root:root@127.0.0.1:53306/"
}
