/**
 * Reads {@link PostgresServerFacts} from a connected session. Every query here works for an
 * unprivileged user (catalogs, settings and functions granted to PUBLIC), except
 * pg_control_system(), which managed services may revoke: then the system identifier is null
 * and the distinct-databases check falls back to weaker evidence.
 */
import type { Logger } from '@database-replicator/core';
import type pg from 'pg';
import type { PostgresServerFacts } from './validation-facts.js';

// Role names are parameters: rds_replication / rds_superuser exist only on Amazon RDS and
// pg_create_subscription only on 16+, and pg_has_role() errors on a name that does not exist,
// so membership is tested through pg_roles.
const SERVER_SQL = `
SELECT current_user AS user,
       current_setting('server_version_num')::int AS version_num,
       current_setting('server_version') AS version,
       current_database() AS database,
       (SELECT oid::int8 FROM pg_database WHERE datname = current_database()) AS database_oid,
       pg_postmaster_start_time()::text AS started_at,
       current_setting('wal_level') AS wal_level,
       current_setting('max_replication_slots')::int AS max_slots,
       (SELECT count(*) FROM pg_replication_slots)::int AS used_slots,
       current_setting('max_wal_senders')::int AS max_senders,
       (SELECT count(*) FROM pg_stat_replication)::int AS used_senders,
       r.rolsuper AS superuser,
       r.rolreplication AS replication,
       EXISTS (SELECT 1 FROM pg_roles g WHERE g.rolname = $1 AND pg_has_role(g.oid, 'MEMBER')) AS rds_replication,
       EXISTS (SELECT 1 FROM pg_roles g WHERE g.rolname = $2 AND pg_has_role(g.oid, 'MEMBER')) AS rds_superuser,
       EXISTS (SELECT 1 FROM pg_roles g WHERE g.rolname = $3 AND pg_has_role(g.oid, 'MEMBER')) AS create_subscription,
       has_database_privilege(current_database(), 'CREATE') AS create_in_database,
       ARRAY(SELECT extname::text FROM pg_extension ORDER BY 1) AS installed_extensions,
       ARRAY(SELECT name::text FROM pg_available_extensions ORDER BY 1) AS available_extensions
  FROM pg_roles r
 WHERE r.rolname = current_user`;

type ServerRow = {
  user: string;
  version_num: number;
  version: string;
  database: string;
  database_oid: string;
  started_at: string;
  wal_level: string;
  max_slots: number;
  used_slots: number;
  max_senders: number;
  used_senders: number;
  superuser: boolean;
  replication: boolean;
  rds_replication: boolean;
  rds_superuser: boolean;
  create_subscription: boolean;
  create_in_database: boolean;
  installed_extensions: string[];
  available_extensions: string[];
};

/** SQLSTATEs meaning "you may not call pg_control_system() here", not a broken session. */
const NOT_PERMITTED = new Set(['42501', '42883']);

/**
 * Reads the facts of the server `client` is connected to; `where` is its `host:port/database`.
 *
 * @throws the driver error when a query fails for any reason other than a revoked
 *   pg_control_system().
 */
export async function gatherServerFacts(
  client: pg.ClientBase,
  where: string,
  logger: Logger,
): Promise<PostgresServerFacts> {
  const { rows } = await client.query<ServerRow>(SERVER_SQL, [
    'rds_replication',
    'rds_superuser',
    'pg_create_subscription',
  ]);
  const row = rows[0];
  if (row === undefined) throw new Error(`current_user has no pg_roles row on ${where}`);
  return Object.freeze({
    where,
    user: row.user,
    versionNum: row.version_num,
    version: row.version,
    database: row.database,
    databaseOid: Number(row.database_oid),
    systemIdentifier: await readSystemIdentifier(client, where, logger),
    startedAt: row.started_at,
    walLevel: row.wal_level,
    maxReplicationSlots: row.max_slots,
    usedReplicationSlots: row.used_slots,
    maxWalSenders: row.max_senders,
    usedWalSenders: row.used_senders,
    superuser: row.superuser,
    replication: row.replication,
    rdsReplication: row.rds_replication,
    rdsSuperuser: row.rds_superuser,
    createSubscription: row.create_subscription,
    createInDatabase: row.create_in_database,
    installedExtensions: Object.freeze(row.installed_extensions),
    availableExtensions: Object.freeze(row.available_extensions),
  });
}

async function readSystemIdentifier(
  client: pg.ClientBase,
  where: string,
  logger: Logger,
): Promise<string | null> {
  try {
    const { rows } = await client.query<{ id: string }>(
      'SELECT system_identifier::text AS id FROM pg_control_system()',
    );
    return rows[0]?.id ?? null;
  } catch (error) {
    if (!NOT_PERMITTED.has(sqlStateOf(error))) throw error;
    logger.info({ err: error, host: where }, 'system identifier not readable');
    return null;
  }
}

function sqlStateOf(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
}
