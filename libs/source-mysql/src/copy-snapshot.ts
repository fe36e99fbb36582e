/**
 * Snapshot pages as PostgreSQL COPY text (copy chunks, ARCHITECTURE §3): the same keyset pages as
 * `readMysqlSnapshot`, each value turned into the COPY field the loader would write for its wire
 * value (`mysqlCopyEncoder`), so rows reach the target without a JSON round trip. Rows are read
 * as arrays in column order: no per-row object is built.
 */
import { formatTableRef, type ChangeKey, type JsonValue } from '@database-replicator/core';
import type { CopySnapshotPage, SnapshotReadOptions } from '@database-replicator/pipeline';
import type { RowDataPacket } from 'mysql2';
import type { Pool, PoolConnection } from 'mysql2/promise';
import { SESSION_TIME_ZONE_SQL } from './constants.js';
import type { DescribedMysqlTable } from './describe-tables.js';
import { snapshotPageQuery } from './keyset-query.js';
import { mysqlCopyEncoder, type MysqlCopyEncoder } from './mysql-copy-text.js';
import { mysqlQuery } from './mysql-query.js';
import { encodeMysqlValue, wrapColumnError } from './mysql-wire-value.js';

/**
 * Yields the rows of `described` after `after` (all rows when `null`) as COPY-text pages of at
 * most `options.pageRows` rows, until the table ends or `options.signal` aborts. Each page's
 * `keys` are the rows' keys as the JSON path's `rowKey` gives them (wire values).
 *
 * @throws ReplicatorError as `readMysqlSnapshot`.
 */
export async function* readMysqlCopySnapshot(
  pool: Pool,
  described: DescribedMysqlTable,
  after: ChangeKey | null,
  options: SnapshotReadOptions,
): AsyncGenerator<CopySnapshotPage> {
  if (described.table.schemaOnly) return;
  const where = formatTableRef(described.table.id);
  const connection = await mysqlQuery(pool, `connecting to read ${where}`, (p) =>
    p.getConnection(),
  );
  try {
    await mysqlQuery(connection, `setting up the session to read ${where}`, (c) =>
      c.query(SESSION_TIME_ZONE_SQL),
    );
    const encoders = described.columns.map(mysqlCopyEncoder);
    let cursor = after;
    while (options.signal?.aborted !== true) {
      const rows = await readPageRows(connection, described, cursor, options.pageRows, where);
      if (rows.length === 0) return;
      const page = encodePage(rows, described, encoders, where);
      yield page;
      if (rows.length < options.pageRows) return;
      cursor = page.keys.at(-1) ?? null;
    }
  } finally {
    connection.release();
  }
}

async function readPageRows(
  connection: PoolConnection,
  described: DescribedMysqlTable,
  cursor: ChangeKey | null,
  pageRows: number,
  where: string,
): Promise<readonly unknown[][]> {
  const query = snapshotPageQuery(
    described.plan,
    described.columns,
    described.keyColumns,
    cursor,
    pageRows,
  );
  const [rows] = await mysqlQuery(connection, `reading a snapshot page of ${where}`, (c) =>
    c.query<RowDataPacket[][]>({ sql: query.sql, values: [...query.values], rowsAsArray: true }),
  );
  return rows;
}

/** One page of rows (arrays in `described.columns` order) as COPY text and keys. */
function encodePage(
  rows: readonly unknown[][],
  described: DescribedMysqlTable,
  encoders: readonly MysqlCopyEncoder[],
  where: string,
): CopySnapshotPage {
  const { columns, keyColumns } = described;
  const keyIndexes = keyColumns.map((key) => columns.findIndex((c) => c.name === key.name));
  const keys: ChangeKey[] = [];
  let copy = '';
  let index = 0;
  try {
    for (const row of rows) {
      for (index = 0; index < encoders.length; index += 1) {
        const encode = encoders[index];
        if (encode !== undefined) copy += (index === 0 ? '' : '\t') + encode(row[index]);
      }
      copy += '\n';
      const key: Record<string, JsonValue> = {};
      for (let k = 0; k < keyColumns.length; k += 1) {
        index = keyIndexes[k] ?? -1;
        const column = keyColumns[k];
        if (column !== undefined) key[column.name] = encodeMysqlValue(row[index], column);
      }
      keys.push(key);
    }
  } catch (error) {
    throw wrapColumnError(error, columns[index]?.name ?? '?', where);
  }
  return Object.freeze({ copy, keys: Object.freeze(keys) });
}
