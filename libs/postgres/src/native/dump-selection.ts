/**
 * What pg_dump leaves out for a table plan. A whole-database dump keeps everything the selected
 * tables need (schemas, types, functions, extensions, sequences), which `pg_dump -t` would not
 * dump; so unselected tables are excluded with -T instead, together with their partitions and
 * the views built on them (those could not be restored without them). Schema-only and filtered
 * tables are dumped without rows; the rows of filtered tables are copied by us.
 */
import { tableKey, type TableId, type TablePlan } from '@database-replicator/core';
import type pg from 'pg';
import type { PostgresTableInfo } from '../introspect.js';
import { listDependentViews, listPartitions } from './source-catalog.js';

/** One filtered table to copy under the snapshot. */
export type FilteredTable = Readonly<{
  table: TableId;
  columns: readonly string[];
  predicate: string;
}>;

/** What the dump of one database leaves out, and the rows we copy ourselves. */
export type DumpSelection = Readonly<{
  excludeTables: readonly TableId[];
  excludeTableData: readonly TableId[];
  filtered: readonly FilteredTable[];
}>;

function key(id: TableId): string {
  return tableKey({ schema: id.schema, table: id.table });
}

/**
 * Works out the {@link DumpSelection}. `predicates` maps `tableKey` of a planned table (without
 * database) to its row predicate, for filtered tables only.
 */
export async function planDumpSelection(
  client: pg.ClientBase,
  tables: readonly PostgresTableInfo[],
  plan: readonly TablePlan[],
  predicates: ReadonlyMap<string, string>,
): Promise<DumpSelection> {
  const planned = new Map(plan.map((entry) => [key(entry.id), entry]));
  const unselected = tables.filter((t) => !planned.has(key(t.id))).map((t) => t.id);
  const unselectedParts = await listPartitions(client, unselected);
  const views = await listDependentViews(client, [...unselected, ...unselectedParts]);
  const dataless = plan
    .filter((entry) => entry.schemaOnly || predicates.has(key(entry.id)))
    .map((entry) => Object.freeze({ schema: entry.id.schema, table: entry.id.table }));
  const datalessParts = await listPartitions(client, dataless);
  const infos = new Map(tables.map((t) => [key(t.id), t]));
  const filtered = plan.flatMap((entry) => {
    const predicate = predicates.get(key(entry.id));
    const info = infos.get(key(entry.id));
    if (entry.schemaOnly || predicate === undefined || info === undefined) return [];
    const table = Object.freeze({ schema: entry.id.schema, table: entry.id.table });
    return [Object.freeze({ table, columns: info.columns, predicate })];
  });
  return Object.freeze({
    excludeTables: Object.freeze([...unselected, ...unselectedParts, ...views]),
    excludeTableData: Object.freeze([...dataless, ...datalessParts]),
    filtered: Object.freeze(filtered),
  });
}
