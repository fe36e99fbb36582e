# kafka for the integration tests. Sourced by test/services/run; see lib/common.sh for the contract.
# STUB: being written.

kafka_install() { die "kafka: install not written yet"; }
kafka_start() { die "kafka: start not written yet"; }
kafka_stop() { :; }
kafka_check() { return 1; }
kafka_env() {
  echo "export KAFKA_BROKERS=127.0.0.1:59092"
}
