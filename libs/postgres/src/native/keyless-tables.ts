/**
 * Tables logical replication cannot follow: no primary key and a replica identity that names no
 * columns (DEFAULT without a key, or NOTHING). Once such a table is in a publication, every
 * UPDATE and DELETE on it fails on the source, so the run refuses before creating anything.
 */
import {
  formatTableRef,
  quoteTable,
  replicatorError,
  tableKey,
  type TablePlan,
} from '@database-replicator/core';
import type { PostgresTableInfo } from '../introspect.js';

/** The planned tables (schema-only ones excepted) whose changes cannot be replicated. */
export function findKeylessTables(
  plan: readonly TablePlan[],
  tables: readonly PostgresTableInfo[],
): readonly TablePlan[] {
  const shapes = new Map(
    tables.map((t) => [tableKey({ schema: t.id.schema, table: t.id.table }), t]),
  );
  return plan.filter((entry) => {
    if (entry.schemaOnly) return false;
    const info = shapes.get(tableKey({ schema: entry.id.schema, table: entry.id.table }));
    if (info === undefined) return false;
    return (
      info.replicaIdentity === 'nothing' ||
      (info.replicaIdentity === 'default' && info.primaryKey.length === 0)
    );
  });
}

/**
 * @throws ReplicatorError `REPL_NATIVE_KEYLESS_TABLE` naming every keyless table of `plan`.
 */
export function assertReplicableTables(
  database: string,
  plan: readonly TablePlan[],
  tables: readonly PostgresTableInfo[],
): void {
  const keyless = findKeylessTables(plan, tables);
  if (keyless.length === 0) return;
  const names = keyless.map((t) => formatTableRef({ schema: t.id.schema, table: t.id.table }));
  const first = keyless[0];
  const example = first === undefined ? '<table>' : quoteTable(first.id);
  throw replicatorError(
    'REPL_NATIVE_KEYLESS_TABLE',
    `Database ${database}: ${names.join(', ')} ha${names.length === 1 ? 's' : 've'} no primary key and no replica identity, so UPDATEs and DELETEs cannot be replicated`,
    {
      fix: `Add a primary key, or run ALTER TABLE ${example} REPLICA IDENTITY FULL (or USING INDEX <unique index>), or leave the tables out with --exclude-tables, or copy only their structure with --schema-only-tables.`,
      details: { database, tables: names.join(', ') },
    },
  );
}
