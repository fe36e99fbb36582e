# nats for the integration tests. Sourced by test/services/run; see lib/common.sh for the contract.
# STUB: being written.

nats_install() { die "nats: install not written yet"; }
nats_start() { die "nats: start not written yet"; }
nats_stop() { :; }
nats_check() { return 1; }
nats_env() {
  echo "export NATS_URL=nats://127.0.0.1:54222"
}
