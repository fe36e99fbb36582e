/**
 * `verify --repair` for one table: the differing keys of a verify result re-copied from the
 * source through the loader's apply path. Every key is read from the source again; a key the
 * source has becomes an upsert (a snapshot `r` event, as the extractor builds it), an `extra` key
 * the source lacks becomes a delete. Deletes precede upserts in the batch, so when a key's text
 * form and its wire form do not match up, the upsert still wins. Keys that are missing or
 * different but gone from the source by now are left to the next verify.
 */
import type {
  ChangeEvent,
  ChangeRow,
  ConnectorName,
  SourcePosition,
  TableId,
} from '@database-replicator/core';
import type { RowKey } from './key-range.js';
import type { KeyObject, TableVerifyResult } from './verify-result.js';

/** Where repaired rows come from: one source, read by key. */
export type RepairSource = Readonly<{
  connector: ConnectorName;
  /** The source's configured name (`source.name` of events). */
  name: string;
  /** The source database, for `source.db` of events of schema-level sources. */
  database: string;
  /** The position repair events carry (the source's current one). */
  position(): Promise<SourcePosition>;
  /** The current rows of `keys` (text per key column, in key order); absent keys are left out. */
  readRows(
    table: TableId,
    keyColumns: readonly string[],
    keys: readonly RowKey[],
  ): Promise<readonly ChangeRow[]>;
}>;

/** Applies one table's repair events to the target (e.g. libs/postgres `applyRepairEvents`). */
export type RepairApply = (
  table: TableId,
  keyColumns: readonly string[],
  events: readonly ChangeEvent[],
) => Promise<unknown>;

/** What a repair wrote. */
export type RepairOutcome = Readonly<{ table: string; upserts: number; deletes: number }>;

/** Connectors whose tables live in databases, not schemas (as the extractor's event builder). */
const SCHEMALESS: ReadonlySet<ConnectorName> = new Set(['mysql', 'mongodb']);

function keyOf(keyColumns: readonly string[], key: KeyObject): RowKey {
  return keyColumns.map((column) => key[column] ?? '');
}

function textOf(keyColumns: readonly string[], row: ChangeRow): string {
  return JSON.stringify(keyColumns.map((column) => String(row[column] ?? '')));
}

/**
 * Re-copies the keys `result` names from `source` into `table` with `apply`.
 *
 * @throws what `source` and `apply` throw; nothing of the table is applied then.
 */
export async function repairTable(
  table: TableId,
  result: TableVerifyResult,
  source: RepairSource,
  apply: RepairApply,
): Promise<RepairOutcome> {
  const { keyColumns } = result;
  const name = result.table;
  const wanted = [...result.missing, ...result.different, ...result.extra];
  if (keyColumns.length === 0 || wanted.length === 0)
    return { table: name, upserts: 0, deletes: 0 };
  const rows = await source.readRows(
    table,
    keyColumns,
    wanted.map((key) => keyOf(keyColumns, key)),
  );
  const found = new Set(rows.map((row) => textOf(keyColumns, row)));
  const gone = result.extra.filter((key) => !found.has(JSON.stringify(keyOf(keyColumns, key))));
  const position = await source.position();
  const now = Date.now();
  const schemaless = SCHEMALESS.has(source.connector);
  const event = (
    op: 'r' | 'd',
    before: ChangeRow | null,
    after: ChangeRow | null,
  ): ChangeEvent => ({
    before,
    after,
    op,
    ts_ms: now,
    source: {
      connector: source.connector,
      name: source.name,
      db: schemaless ? table.schema : source.database,
      schema: schemaless ? null : table.schema,
      table: table.table,
      snapshot: 'true',
      position,
      ts_ms: now,
    },
  });
  const events = [
    ...gone.map((key) => event('d', key, null)),
    ...rows.map((row) => event('r', null, row)),
  ];
  await apply(table, keyColumns, events);
  return Object.freeze({ table: name, upserts: rows.length, deletes: gone.length });
}
