import { failed, passed, type CheckOutcome } from './validation-check.js';
import type { PostgresServerFacts } from './validation-facts.js';

/** Logical decoding (slots, pgoutput) refuses to run below `wal_level = logical`. */
export function checkWalLevel(source: PostgresServerFacts): CheckOutcome {
  if (source.walLevel === 'logical') return passed('wal_level = logical');
  return failed(
    `wal_level is ${source.walLevel} on ${source.where}; logical replication needs logical`,
    'Set wal_level = logical (postgresql.conf, or ALTER SYSTEM SET wal_level = logical) and restart the server; a restart is required. On Amazon RDS set rds.logical_replication = 1 in the parameter group and reboot.',
  );
}
