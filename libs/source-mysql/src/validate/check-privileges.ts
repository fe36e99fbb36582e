/**
 * The privileges the source needs: REPLICATION SLAVE (read the binlog), REPLICATION CLIENT (read
 * the binlog position; MariaDB 10.5+ calls it BINLOG MONITOR) and SELECT on every selected table.
 */
import { formatTableRef } from '@database-replicator/core';
import { failed, passed, type CheckOutcome } from './check-outcome.js';
import type { MysqlPrivileges, MysqlServerFacts } from './mysql-validation-facts.js';

/** Names that grant a need, upper case; ALL PRIVILEGES is listed privilege by privilege. */
const REPLICATION_SLAVE = ['REPLICATION SLAVE'];
const REPLICATION_CLIENT = ['REPLICATION CLIENT', 'BINLOG MONITOR'];

export function checkReplicationSlave(server: MysqlServerFacts): CheckOutcome {
  return checkGlobal(server, 'REPLICATION SLAVE', REPLICATION_SLAVE, 'read the binlog');
}

export function checkReplicationClient(server: MysqlServerFacts): CheckOutcome {
  return checkGlobal(server, 'REPLICATION CLIENT', REPLICATION_CLIENT, 'read the binlog position');
}

/** SELECT on every selected table, granted globally, on its database or on the table. */
export function checkSelect(server: MysqlServerFacts): CheckOutcome {
  const missing = server.tables.filter(
    ({ id }) => !canSelect(server.privileges, id.schema, id.table),
  );
  if (missing.length === 0) return passed(`SELECT on all ${server.tables.length} selected tables`);
  const names = missing.map(({ id }) => formatTableRef(id));
  const databases = [...new Set(missing.map(({ id }) => id.schema))];
  return failed(
    `${server.user} may not SELECT ${names.join(', ')}`,
    databases
      .map(
        (database) => `GRANT SELECT ON \`${database.replaceAll('`', '``')}\`.* TO ${server.user};`,
      )
      .join(' '),
  );
}

function checkGlobal(
  server: MysqlServerFacts,
  privilege: string,
  grantedBy: readonly string[],
  purpose: string,
): CheckOutcome {
  if (server.privileges.global.some((name) => grantedBy.includes(name))) {
    return passed(`${server.user} has ${privilege}`);
  }
  return failed(
    `${server.user} lacks the ${privilege} privilege, needed to ${purpose}`,
    `GRANT ${privilege} ON *.* TO ${server.user};`,
  );
}

function canSelect(privileges: MysqlPrivileges, database: string, table: string): boolean {
  return (
    privileges.global.includes('SELECT') ||
    (privileges.databases[database] ?? []).includes('SELECT') ||
    (privileges.tables[`${database}.${table}`] ?? []).includes('SELECT')
  );
}
