/**
 * Snapshot pages as COPY text (copy chunks, ARCHITECTURE §3): the same pages as the JSON snapshot
 * (snapshot.ts), each cell written straight to the text the loader would have produced from its
 * wire value (`toPostgresText` then `copyTextField` in libs/postgres), without the detour through
 * JSON rows. The cell rules are those of `encodeSqliteValue`, which still validates every value
 * (copy-field.ts); only the form changes (bytea as `\x` hex instead of base64, booleans as
 * `true`/`false`). The type-coverage suites check both paths give the same text for every type.
 *
 * Each table's encoder (one field encoder per column, the key columns' places) is built once and
 * reused for every page and row.
 */
import type Database from 'better-sqlite3';
import type { ChangeKey, JsonValue } from '@database-replicator/core';
import type { CopySnapshotPage, SnapshotReadOptions } from '@database-replicator/pipeline';
import { copyFieldEncoder, type CopyFieldEncoder } from './copy-field.js';
import type { SqliteColumn, SqliteTableInfo } from './introspect.js';
import { readSqlitePages, storedValue, type PageRecorder } from './snapshot.js';
import { encodeSqliteValue } from './sqlite-wire-value.js';

/**
 * COPY-text pages of `table`'s rows with a key greater than `after`, with each row's key.
 *
 * @throws ReplicatorError `REPL_SQLITE_VALUE_INVALID` for a value the target column cannot hold,
 *   `REPL_SQLITE_QUERY_FAILED` when a page query fails.
 */
export async function* readSqliteCopySnapshot(
  db: Database.Database,
  file: string,
  table: SqliteTableInfo,
  after: ChangeKey | null,
  options: SnapshotReadOptions,
  record?: PageRecorder,
): AsyncGenerator<CopySnapshotPage> {
  const encoder = tableEncoder(table);
  for (const rows of readSqlitePages(db, file, table, after, options)) {
    // One array joined once: the page leaves as one flat string, as the extractor cuts it.
    const lines = new Array<string>(rows.length);
    const keys = new Array<ChangeKey>(rows.length);
    for (let index = 0; index < rows.length; index += 1) {
      const row = rows[index] ?? [];
      lines[index] = encoder.line(row);
      keys[index] = encoder.key(row);
    }
    if (record !== undefined) await record(rows);
    yield Object.freeze({ copy: lines.join(''), keys });
  }
}

/** One row as a COPY text line, fields in `table.columns` order, ended by `\n`. */
export function copyLine(row: readonly unknown[], table: SqliteTableInfo): string {
  return tableEncoder(table).line(row);
}

type TableEncoder = Readonly<{
  line: (row: readonly unknown[]) => string;
  key: (row: readonly unknown[]) => ChangeKey;
}>;

// Built once per described table: the infos are frozen and live as long as their source.
const ENCODERS = new WeakMap<SqliteTableInfo, TableEncoder>();

function tableEncoder(table: SqliteTableInfo): TableEncoder {
  let encoder = ENCODERS.get(table);
  if (encoder === undefined) {
    encoder = buildTableEncoder(table);
    ENCODERS.set(table, encoder);
  }
  return encoder;
}

function buildTableEncoder(table: SqliteTableInfo): TableEncoder {
  const fields: readonly CopyFieldEncoder[] = table.columns.map((column) =>
    copyFieldEncoder(column, table.name),
  );
  const [first, ...rest] = fields;
  const keyColumns = table.keyColumns.map((name) => keyColumn(table, name));
  const [firstKey, ...otherKeys] = keyColumns;
  const wire = (row: readonly unknown[], { index, column }: KeyColumn): JsonValue =>
    encodeSqliteValue(storedValue(row[index], table), column);
  return Object.freeze({
    line: (row) => {
      let line = first === undefined ? '' : first(row[0]);
      for (let index = 0; index < rest.length; index += 1) {
        const field = rest[index];
        line += field === undefined ? '\t' : `\t${field(row[index + 1])}`;
      }
      return `${line}\n`;
    },
    key: (row) => {
      // A literal with the first key column in it: about a third of the time of adding it to `{}`.
      const key: Record<string, JsonValue> =
        firstKey === undefined ? {} : { [firstKey.column.name]: wire(row, firstKey) };
      for (const other of otherKeys) key[other.column.name] = wire(row, other);
      return key;
    },
  });
}

type KeyColumn = Readonly<{ index: number; column: SqliteColumn }>;

function keyColumn(table: SqliteTableInfo, name: string): KeyColumn {
  const index = table.columns.findIndex((column) => column.name === name);
  const column = table.columns[index];
  if (column === undefined) {
    throw new TypeError(`key column "${name}" of "${table.name}" is unknown`);
  }
  return Object.freeze({ index, column });
}
