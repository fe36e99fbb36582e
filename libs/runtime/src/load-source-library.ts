/**
 * The source library of one source kind, loaded on first use. Each one brings its driver
 * (pg-logical-replication, mysql2 and zongji, better-sqlite3, mongodb), and loading them all costs
 * every command about a second of CPU; a run loads only the library its source URL names.
 */
import { replicatorError, type SourceKind } from '@database-replicator/core';
import type * as SourceMongodb from '@database-replicator/source-mongodb';
import type * as SourceMysql from '@database-replicator/source-mysql';
import type * as SourcePostgres from '@database-replicator/source-postgres';
import type * as SourceSqlite from '@database-replicator/source-sqlite';

/** The exports of each kind's source library. */
export interface SourceLibraries {
  readonly postgres: typeof SourcePostgres;
  readonly mysql: typeof SourceMysql;
  readonly sqlite: typeof SourceSqlite;
  readonly mongodb: typeof SourceMongodb;
}

type Loaders = { readonly [K in SourceKind]: () => Promise<SourceLibraries[K]> };

const LOADERS: Loaders = {
  postgres: () => import('@database-replicator/source-postgres'),
  mysql: () => import('@database-replicator/source-mysql'),
  sqlite: () => import('@database-replicator/source-sqlite'),
  mongodb: () => import('@database-replicator/source-mongodb'),
};

const LIBRARY_NAMES: Readonly<Record<SourceKind, string>> = {
  postgres: 'the PostgreSQL source library (@database-replicator/source-postgres)',
  mysql: 'the MySQL/MariaDB source library (@database-replicator/source-mysql)',
  sqlite: 'the SQLite source library (@database-replicator/source-sqlite)',
  mongodb: 'the MongoDB source library (@database-replicator/source-mongodb)',
};

/**
 * Loads the source library of `kind` (Node caches it: later calls are free).
 *
 * @throws ReplicatorError `REPL_MODULE_LOAD_FAILED` when it or its driver cannot be loaded.
 */
export async function loadSourceLibrary<K extends SourceKind>(
  kind: K,
): Promise<SourceLibraries[K]> {
  const load: Loaders[K] = LOADERS[kind];
  try {
    return await load();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw replicatorError(
      'REPL_MODULE_LOAD_FAILED',
      `Cannot load ${LIBRARY_NAMES[kind]}: ${reason}`,
      {
        details: { sourceKind: kind },
        cause: error,
      },
    );
  }
}
