/**
 * Snapshot pages of one table (ARCHITECTURE §5): keyset pagination by the table's key, one query
 * per page on one pooled connection held for the table's read, so memory holds one page at most.
 * The session reads TIMESTAMP in UTC; values are encoded like the binlog's (`encodeMysqlRow`).
 */
import { formatTableRef, type ChangeKey, type ChangeRow } from '@database-replicator/core';
import type { SnapshotReadOptions } from '@database-replicator/pipeline';
import type { RowDataPacket } from 'mysql2';
import type { Pool } from 'mysql2/promise';
import { SESSION_TIME_ZONE_SQL } from './constants.js';
import type { DescribedMysqlTable } from './describe-tables.js';
import { snapshotPageQuery } from './keyset-query.js';
import { mysqlQuery } from './mysql-query.js';
import { encodeMysqlRow } from './mysql-wire-value.js';

/**
 * Yields the rows of `described` after `after` (all rows when `null`) in key order, in pages of
 * at most `options.pageRows`, until the table ends or `options.signal` aborts.
 *
 * @throws ReplicatorError `REPL_MYSQL_QUERY_FAILED` (or `REPL_CONNECT_FAILED`,
 *   `REPL_AUTH_FAILED`) when a query fails; value errors of `encodeMysqlRow`.
 */
export async function* readMysqlSnapshot(
  pool: Pool,
  described: DescribedMysqlTable,
  after: ChangeKey | null,
  options: SnapshotReadOptions,
): AsyncGenerator<readonly ChangeRow[]> {
  if (described.table.schemaOnly) return;
  const where = formatTableRef(described.table.id);
  const { keyColumns } = described;
  const connection = await mysqlQuery(pool, `connecting to read ${where}`, (p) =>
    p.getConnection(),
  );
  try {
    await mysqlQuery(connection, `setting up the session to read ${where}`, (c) =>
      c.query(SESSION_TIME_ZONE_SQL),
    );
    let cursor = after;
    while (options.signal?.aborted !== true) {
      const query = snapshotPageQuery(
        described.plan,
        described.columns,
        keyColumns,
        cursor,
        options.pageRows,
      );
      const [rows] = await mysqlQuery(connection, `reading a snapshot page of ${where}`, (c) =>
        c.query<RowDataPacket[]>(query.sql, [...query.values]),
      );
      const page = rows.map((row) => encodeMysqlRow(row, described.columns, where));
      const last = page.at(-1);
      if (last === undefined) return;
      yield page;
      if (page.length < options.pageRows) return;
      cursor = Object.fromEntries(
        keyColumns.map((column) => [column.name, last[column.name] ?? null]),
      );
    }
  } finally {
    connection.release();
  }
}
