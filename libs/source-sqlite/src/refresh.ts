/**
 * Refresh mode, for SQLite files this lib may not write (no triggers, no changelog): the shared
 * refresh loop of libs/pipeline (`refreshChanges`: every `refreshIntervalMs` each table is read in
 * key order and compared, by key and content hash, with what the target may hold, kept in files
 * under `refreshStateDir`; differences become `c`/`u`/`d` events). Deletes are found only at
 * refresh time, never in between. Positions are `{kind: 'sqlite', sequence: <refresh cycle>}`:
 * the source's capture mode tells them from changelog sequences.
 *
 * A row's key text is the JSON array of its key's wire values; its hash is the SHA-256 (96 bits)
 * of its COPY text line, which holds every column's value exactly as the target receives it.
 */
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import {
  replicatorError,
  tableKey,
  type ChangeEvent,
  type ChangeRow,
  type JsonValue,
  type TableId,
} from '@database-replicator/core';
import {
  RefreshStateStore,
  refreshChanges,
  type RefreshRow,
  type RefreshTable,
  type SourceTransaction,
} from '@database-replicator/pipeline';
import { copyLine } from './copy-snapshot.js';
import type { SqliteTableInfo } from './introspect.js';
import { sqlitePosition } from './position.js';
import { encodeRow, readSqlitePages, storedValue } from './snapshot.js';
import { encodeSqliteValue } from './sqlite-wire-value.js';

/** What a refresh run reads and how often. */
export type SqliteRefreshContext = Readonly<{
  db: Database.Database;
  file: string;
  origin: Readonly<{ name: string; database: string; schema: string }>;
  tables: ReadonlyMap<string, SqliteTableInfo>;
  store: RefreshStateStore;
  intervalMs: number;
  pageRows: number;
}>;

const HASH_HEX_CHARS = 24;

/** The refresh state store of a SQLite source, reporting a lost state with this lib's code. */
export function sqliteRefreshStateStore(dir: string): RefreshStateStore {
  return new RefreshStateStore(dir, {
    missing: (cycle, directory) =>
      replicatorError(
        'REPL_SQLITE_REFRESH_STATE_MISSING',
        `The SQLite refresh state of cycle ${cycle} is missing from ${directory}`,
        { details: { directory, cycle: cycle.toString() } },
      ),
  });
}

/**
 * Compares the tables with the state at refresh cycle `from` every `intervalMs` until `signal`
 * aborts, yielding their differences as events.
 *
 * @throws ReplicatorError `REPL_SQLITE_REFRESH_STATE_MISSING`, `REPL_SQLITE_QUERY_FAILED`,
 *   `REPL_SQLITE_VALUE_INVALID`.
 */
export function refreshSqliteChanges(
  context: SqliteRefreshContext,
  from: bigint,
  signal: AbortSignal,
): AsyncGenerator<SourceTransaction> {
  return refreshChanges(
    {
      tables: [...context.tables.values()].map((info) => refreshTable(context, info)),
      store: context.store,
      intervalMs: context.intervalMs,
      maxBatchEvents: context.pageRows,
      position: sqlitePosition,
    },
    from,
    signal,
  );
}

/** Key text and content hash of stored rows, as the state records them. */
export function refreshEntries(
  rows: readonly (readonly unknown[])[],
  table: SqliteTableInfo,
): { id: string; hash: string }[] {
  return rows.map((row) => ({ id: keyText(row, table), hash: rowHash(row, table) }));
}

function refreshTable(context: SqliteRefreshContext, info: SqliteTableInfo): RefreshTable {
  const id: TableId = { schema: context.origin.schema, table: info.name };
  return {
    key: tableKey(id),
    scan: (signal) => scanTable(context, info, signal),
    event: (op, row, cycle, nowMs) => refreshEvent(context, info, { op, row, cycle, nowMs }),
    deletedRow: (text) => keyRow(text, info),
  };
}

async function* scanTable(
  context: SqliteRefreshContext,
  info: SqliteTableInfo,
  signal: AbortSignal,
): AsyncGenerator<readonly RefreshRow[]> {
  const options = { pageRows: context.pageRows, signal };
  for (const rows of readSqlitePages(context.db, context.file, info, null, options)) {
    yield rows.map((row) => ({
      id: keyText(row, info),
      row: encodeRow(row, info),
      hash: rowHash(row, info),
    }));
  }
}

function keyText(row: readonly unknown[], table: SqliteTableInfo): string {
  const values: JsonValue[] = [];
  for (const name of table.keyColumns) {
    const index = table.columns.findIndex((column) => column.name === name);
    const column = table.columns[index];
    if (column !== undefined)
      values.push(encodeSqliteValue(storedValue(row[index], table), column));
  }
  return JSON.stringify(values);
}

function rowHash(row: readonly unknown[], table: SqliteTableInfo): string {
  return createHash('sha256').update(copyLine(row, table)).digest('hex').slice(0, HASH_HEX_CHARS);
}

/** The key row of a key text this module wrote. */
function keyRow(text: string, table: SqliteTableInfo): ChangeRow {
  const parsed: unknown = JSON.parse(text);
  const values: unknown[] = Array.isArray(parsed) ? parsed : [];
  const row: Record<string, JsonValue> = {};
  table.keyColumns.forEach((name, index) => {
    const value = values[index];
    row[name] =
      typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
        ? value
        : null;
  });
  return row;
}

function refreshEvent(
  context: SqliteRefreshContext,
  table: SqliteTableInfo,
  change: Readonly<{ op: 'c' | 'u' | 'd'; row: ChangeRow; cycle: bigint; nowMs: number }>,
): ChangeEvent {
  const { op, row, cycle, nowMs } = change;
  const source = {
    connector: 'sqlite',
    name: context.origin.name,
    db: context.origin.database,
    schema: context.origin.schema,
    table: table.name,
    snapshot: 'false',
    position: sqlitePosition(cycle),
    ts_ms: nowMs,
  } as const;
  return op === 'd'
    ? { op, before: row, after: null, source, ts_ms: nowMs }
    : { op, before: null, after: row, source, ts_ms: nowMs };
}
