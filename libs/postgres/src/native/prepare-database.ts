/**
 * Planning one database before anything is changed: which tables, with which filters, and the
 * refusals that must come before the first side effect (keyless tables, foreign keys leaving
 * the selection, row filters on a source too old for them).
 */
import {
  formatTableRef,
  planTables,
  replicatorError,
  type ReplicatorConfig,
  type TablePlan,
} from '@database-replicator/core';
import type pg from 'pg';
import { listTables, type PostgresTableInfo } from '../introspect.js';
import type { NativeDatabasePair } from './database-pairs.js';
import { assertReplicableTables } from './keyless-tables.js';
import { nativeFingerprint } from './native-fingerprint.js';
import { nativeObjectNames, type NativeObjectNames } from './native-names.js';
import { assertForeignKeysInside } from './source-catalog.js';

/** One database, planned and checked. */
export type PreparedDatabase = Readonly<{
  pair: NativeDatabasePair;
  tables: readonly PostgresTableInfo[];
  plan: readonly TablePlan[];
  fingerprint: string;
  names: NativeObjectNames;
}>;

/**
 * Plans `pair.source` (`client` is connected to it).
 *
 * @throws ReplicatorError `REPL_CONFIG_TABLE_NOT_FOUND`, `REPL_NATIVE_KEYLESS_TABLE`,
 *   `REPL_NATIVE_FOREIGN_KEY_OUTSIDE`, `REPL_NATIVE_ROW_FILTER_UNSUPPORTED`.
 */
export async function prepareDatabase(
  client: pg.ClientBase,
  pair: NativeDatabasePair,
  filters: ReplicatorConfig['filters'],
  jobId: string,
  versionNum: number,
): Promise<PreparedDatabase> {
  const tables = await listTables(client);
  const ids = tables.map((t) => Object.freeze({ ...t.id, database: pair.source }));
  const plan = planTables(ids, filters, { database: pair.source, schema: 'public' });
  assertReplicableTables(pair.source, plan, tables);
  await assertForeignKeysInside(
    client,
    pair.source,
    plan.map((entry) => entry.id),
  );
  const filtered = plan.filter(
    (entry) => !entry.schemaOnly && (entry.rowFilters.length > 0 || entry.timeFilters.length > 0),
  );
  if (filtered.length > 0 && versionNum < 150000) {
    throw replicatorError(
      'REPL_NATIVE_ROW_FILTER_UNSUPPORTED',
      `Database ${pair.source}: row and time filters need a PostgreSQL 15 or later source (server_version_num ${versionNum}); filtered tables: ${filtered.map((entry) => formatTableRef(entry.id)).join(', ')}`,
      { details: { database: pair.source } },
    );
  }
  return Object.freeze({
    pair,
    tables,
    plan,
    fingerprint: nativeFingerprint(pair.source, pair.target, plan),
    names: nativeObjectNames(jobId, pair.source),
  });
}
