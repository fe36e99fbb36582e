/**
 * What a server says about itself: its system identifier (fixed for the life of a cluster) and
 * version. Source and target are compared by these, never by URL text, so `localhost` and
 * `127.0.0.1`, DNS aliases and poolers cannot make a database look like another one.
 */
import { connectPostgres } from '../connection.js';
import { replicatorError, type Logger, type Secret } from '@database-replicator/core';
import type pg from 'pg';

/** The identity of one server. */
export type ServerIdentity = Readonly<{
  /** pg_control_system().system_identifier as decimal text. */
  systemIdentifier: string;
  /** server_version_num, e.g. 150004. */
  versionNum: number;
}>;

type IdentityRow = { system_identifier: string | null };

const IDENTITY_SQL = 'SELECT system_identifier::text AS system_identifier FROM pg_control_system()';

/** SQLSTATEs of a pg_control_system() that this user may not call. */
const NOT_PERMITTED = new Set(['42501', '42883']);

/**
 * Reads the identity of the server `client` is connected to. Where pg_control_system() is not
 * permitted (managed services), a replication connection's IDENTIFY_SYSTEM reports the same
 * identifier.
 */
export async function readServerIdentity(
  client: pg.ClientBase,
  url: Secret,
  database: string,
  logger: Logger,
): Promise<ServerIdentity> {
  const version = await client.query<{ version_num: number }>(
    "SELECT current_setting('server_version_num')::int AS version_num",
  );
  const versionNum = version.rows[0]?.version_num ?? 0;
  try {
    const { rows } = await client.query<IdentityRow>(IDENTITY_SQL);
    const id = rows[0]?.system_identifier;
    if (id !== null && id !== undefined) return Object.freeze({ systemIdentifier: id, versionNum });
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : '';
    if (typeof code !== 'string' || !NOT_PERMITTED.has(code)) throw error;
  }
  const replication = await connectPostgres(url, { database: database, replication: true, logger });
  try {
    const { rows } = await replication.query<{ systemid: string }>('IDENTIFY_SYSTEM');
    const id = rows[0]?.systemid;
    if (id === undefined) throw new Error('IDENTIFY_SYSTEM returned no row');
    return Object.freeze({ systemIdentifier: String(id), versionNum });
  } finally {
    await replication.close();
  }
}

/** One database as the servers identify it, plus where it was reached (for messages). */
export type IdentifiedDatabase = Readonly<{
  identity: ServerIdentity;
  database: string;
  /** `host:port/database`, without credentials. */
  where: string;
}>;

/**
 * Refuses a pair that is one database: same cluster and same database name.
 *
 * @throws ReplicatorError `REPL_NATIVE_SAME_DATABASE`.
 */
export function assertDistinctDatabases(
  source: IdentifiedDatabase,
  target: IdentifiedDatabase,
): void {
  if (
    source.identity.systemIdentifier === target.identity.systemIdentifier &&
    source.database === target.database
  ) {
    throw replicatorError(
      'REPL_NATIVE_SAME_DATABASE',
      `Source ${source.where} and target ${target.where} are the same database (${source.database} on the cluster with system identifier ${source.identity.systemIdentifier}); nothing was changed`,
      {
        details: {
          source: source.where,
          target: target.where,
          database: source.database,
          systemIdentifier: source.identity.systemIdentifier,
        },
      },
    );
  }
}
