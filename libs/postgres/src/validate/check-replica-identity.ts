/**
 * UPDATE and DELETE reach the target keyed by the table's replica identity: its primary key by
 * default, a unique index, or the whole row (FULL). A table with no primary key and the default
 * identity, or with identity NOTHING, cannot publish them: PostgreSQL then rejects UPDATE and
 * DELETE on the source itself once the table is in a publication. Schema-only tables copy and
 * publish no rows, so they need no identity.
 */
import { quoteTable } from '@database-replicator/core';
import {
  failed,
  listNames,
  passed,
  plural,
  tableName,
  type CheckOutcome,
} from './validation-check.js';
import type { SourceTableFacts } from './validation-facts.js';

/** Whether a table lacks a usable replica identity. */
export function isKeyless(table: SourceTableFacts): boolean {
  return (
    table.replicaIdentity === 'nothing' ||
    (table.replicaIdentity === 'default' && table.primaryKey.length === 0)
  );
}

/** Every replicated table has a replica identity; keyless ones are listed with the options. */
export function checkReplicaIdentity(tables: readonly SourceTableFacts[]): CheckOutcome {
  const replicated = tables.filter((t) => !t.plan.schemaOnly);
  const keyless = replicated.filter(isKeyless);
  if (replicated.length === 0) return passed('no tables replicated');
  if (keyless.length === 0) {
    const full = replicated.filter((t) => t.replicaIdentity === 'full').length;
    const index = replicated.filter((t) => t.replicaIdentity === 'index').length;
    const byKey = replicated.length - full - index;
    return passed(
      `${plural(replicated.length, 'replicated table')}: ${byKey} by primary key, ${index} by unique index, ${full} FULL`,
    );
  }
  const names = keyless.map((t) =>
    t.replicaIdentity === 'nothing'
      ? `${tableName(t.plan.id)} (REPLICA IDENTITY NOTHING)`
      : tableName(t.plan.id),
  );
  const example = keyless[0];
  const sql = example === undefined ? 'the table' : quoteTable(example.plan.id);
  return failed(
    `${plural(keyless.length, 'table')} without a primary key or replica identity: ${listNames(names)}`,
    `For each table, exclude it or add a key: add a primary key (ALTER TABLE ${sql} ADD PRIMARY KEY (…)), or replicate whole rows (ALTER TABLE ${sql} REPLICA IDENTITY FULL;), or exclude it (--exclude-tables ${keyless.map((t) => tableName(t.plan.id)).join(',')}).`,
  );
}
