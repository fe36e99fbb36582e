/**
 * Room for what replication holds on the source for its whole life: one replication slot and
 * one walsender process. Both limits are server settings that only change with a restart.
 */
import { failed, passed, type CheckOutcome } from './validation-check.js';
import type { PostgresServerFacts } from './validation-facts.js';

/** At least one free replication slot. */
export function checkReplicationSlots(source: PostgresServerFacts): CheckOutcome {
  const used = source.usedReplicationSlots;
  const max = source.maxReplicationSlots;
  const detail = `${used} of max_replication_slots = ${max} in use`;
  if (max - used >= 1) return passed(`${detail}; ${max - used} free`);
  return failed(
    `${detail} on ${source.where}; replication needs one free slot`,
    `Raise max_replication_slots above ${used} (postgresql.conf or ALTER SYSTEM) and restart the server, or drop an unused slot with SELECT pg_drop_replication_slot('name') (see pg_replication_slots).`,
  );
}

/** At least one free walsender. */
export function checkWalSenders(source: PostgresServerFacts): CheckOutcome {
  const used = source.usedWalSenders;
  const max = source.maxWalSenders;
  const detail = `${used} of max_wal_senders = ${max} in use`;
  if (max - used >= 1) return passed(`${detail}; ${max - used} free`);
  return failed(
    `${detail} on ${source.where}; replication needs one free walsender`,
    `Raise max_wal_senders above ${used} (postgresql.conf or ALTER SYSTEM) and restart the server, or stop an unused replication client (see pg_stat_replication).`,
  );
}
