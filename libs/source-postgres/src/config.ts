/**
 * Options of a PostgreSQL source, checked before anything connects.
 */
import {
  replicatorError,
  type Logger,
  type Secret,
  type TablePlan,
} from '@database-replicator/core';
import { databaseOf } from '@database-replicator/postgres';
import { DEFAULT_CONNECTIONS, REPLICATION_NAME } from './constants.js';

/** Options of `createPostgresSource`. */
export type PostgresSourceOptions = Readonly<{
  /** Source server URL (credentials inside stay secret). */
  url: Secret;
  /** Database to read instead of the URL's. */
  database?: string;
  /** The source's configured name: `source.name` of events and the second topic segment. */
  name: string;
  /** The selected tables with their filters (`planTables` over the database's tables). */
  tables: readonly TablePlan[];
  /** Logical replication slot of the job (`[a-z0-9_]`, at most 63 characters). */
  slotName: string;
  /** Publication of the job (`[a-z0-9_]`, at most 63 characters). */
  publicationName: string;
  /**
   * When a row filter reads columns outside a table's replica identity, set the table to
   * REPLICA IDENTITY FULL instead of refusing (`-y`). Default false.
   */
  fixReplicaIdentity?: boolean;
  /** Most SQL connections open at once (parallel snapshot readers). Default 4. */
  connections?: number;
  logger: Logger;
}>;

/** {@link PostgresSourceOptions} checked, with defaults applied and the database resolved. */
export type ResolvedSourceOptions = Readonly<{
  url: Secret;
  database: string;
  name: string;
  tables: readonly TablePlan[];
  slotName: string;
  publicationName: string;
  fixReplicaIdentity: boolean;
  connections: number;
  logger: Logger;
}>;

/**
 * Checks `options` and applies the defaults.
 *
 * @throws ReplicatorError `REPL_CONFIG_INVALID` for a slot or publication name PostgreSQL (or the
 *   START_REPLICATION command) would not take, or a connection count below 1.
 */
export function resolveSourceOptions(options: PostgresSourceOptions): ResolvedSourceOptions {
  for (const [key, value] of [
    ['slotName', options.slotName],
    ['publicationName', options.publicationName],
  ] as const) {
    if (!REPLICATION_NAME.test(value)) {
      throw replicatorError(
        'REPL_CONFIG_INVALID',
        `${key} "${value}" is not a valid replication name: use 1 to 63 lower-case letters, digits and underscores`,
        { details: { configKey: key } },
      );
    }
  }
  const connections = options.connections ?? DEFAULT_CONNECTIONS;
  if (!Number.isInteger(connections) || connections < 1) {
    throw replicatorError(
      'REPL_CONFIG_INVALID',
      `connections must be a whole number of at least 1, got ${connections}`,
      { details: { configKey: 'connections' } },
    );
  }
  return Object.freeze({
    url: options.url,
    database: options.database ?? databaseOf(options.url),
    name: options.name,
    tables: options.tables,
    slotName: options.slotName,
    publicationName: options.publicationName,
    fixReplicaIdentity: options.fixReplicaIdentity ?? false,
    connections,
    logger: options.logger,
  });
}
