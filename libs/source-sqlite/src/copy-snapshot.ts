/**
 * Snapshot pages as COPY text (copy chunks, ARCHITECTURE §3): the same pages as the JSON snapshot
 * (snapshot.ts), each cell written straight to the text the loader would have produced from its
 * wire value (`toPostgresText` then `copyTextField` in libs/postgres), without the detour through
 * JSON rows. The cell rules are those of `encodeSqliteValue`, which still validates every value;
 * only the form changes (bytea as `\x` hex instead of base64, booleans as `true`/`false`). The
 * type-coverage suite checks both paths give the same text for every mapped type.
 */
import type Database from 'better-sqlite3';
import type { ChangeKey, JsonValue } from '@database-replicator/core';
import type { CopySnapshotPage, SnapshotReadOptions } from '@database-replicator/pipeline';
import type { SqliteColumn, SqliteTableInfo } from './introspect.js';
import { readSqlitePages, storedValue, type PageRecorder } from './snapshot.js';
import { encodeSqliteValue, type SqliteValue } from './sqlite-wire-value.js';

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
  const keyIndexes = table.keyColumns.map((name) =>
    table.columns.findIndex((column) => column.name === name),
  );
  for (const rows of readSqlitePages(db, file, table, after, options)) {
    // One array joined once: repeated `+=` on a page-sized string costs more in GC than the cells.
    const lines: string[] = [];
    const keys: ChangeKey[] = [];
    for (const row of rows) {
      lines.push(copyLine(row, table));
      keys.push(keyOf(row, table, keyIndexes));
    }
    if (record !== undefined) await record(rows);
    yield Object.freeze({ copy: lines.join(''), keys });
  }
}

function keyOf(
  row: readonly unknown[],
  table: SqliteTableInfo,
  keyIndexes: readonly number[],
): ChangeKey {
  const key: Record<string, JsonValue> = {};
  for (const index of keyIndexes) {
    const column = table.columns[index];
    if (column !== undefined) {
      key[column.name] = encodeSqliteValue(storedValue(row[index], table), column);
    }
  }
  return key;
}

/** One row as a COPY text line, fields in `table.columns` order, ended by `\n`. */
export function copyLine(row: readonly unknown[], table: SqliteTableInfo): string {
  const { columns } = table;
  const fields: string[] = new Array<string>(columns.length);
  for (let index = 0; index < columns.length; index += 1) {
    const column = columns[index];
    fields[index] =
      column === undefined ? '' : copySqliteField(storedValue(row[index], table), column);
  }
  return `${fields.join('\t')}\n`;
}

const NEEDS_ESCAPE = /[\\\n\r\t]/;
const COPY_ESCAPES: Readonly<Record<string, string>> = Object.freeze({
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
});

/**
 * One cell as a COPY text field: `copyTextField(toPostgresText(encodeSqliteValue(value)))`,
 * computed directly.
 *
 * @throws ReplicatorError `REPL_SQLITE_VALUE_INVALID` as `encodeSqliteValue` does.
 */
export function copySqliteField(value: SqliteValue, column: SqliteColumn): string {
  // Fast path for the most common cell: SQLite integers always fit int64, nothing to escape.
  if (column.kind === 'bigint' && typeof value === 'bigint') return value.toString();
  const encoded = encodeSqliteValue(value, column);
  if (encoded === null) return '\\N';
  if (column.kind === 'bytea') return `\\\\x${bytesOf(value).toString('hex')}`;
  const text = typeof encoded === 'string' ? encoded : String(encoded);
  return NEEDS_ESCAPE.test(text)
    ? text.replace(/[\\\n\r\t]/g, (char) => COPY_ESCAPES[char] ?? char)
    : text;
}

/** The bytes `encodeSqliteValue` sends as base64 for a bytea cell (blob, or text as UTF-8). */
function bytesOf(value: SqliteValue): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(String(value), 'utf8');
}
