/**
 * Rows of a MySQL/MariaDB table by key for `verify --repair`, read and encoded exactly as the
 * snapshot reads and encodes them (FLOAT widened to DOUBLE, `encodeMysqlRow`), so that repaired
 * rows are written as replication writes them. Keys arrive in PostgreSQL text form.
 */
import { quoteMysqlIdent, type ChangeRow } from '@database-replicator/core';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { DescribedMysqlTable } from '../describe-tables.js';
import { mysqlQuery } from '../mysql-query.js';
import { encodeMysqlRow, type MysqlWireColumn } from '../mysql-wire-value.js';
import { mysqlKeyValue } from './mysql-canonical-sql.js';

// Keys per statement: a few hundred OR branches keep the statement small.
const KEYS_PER_QUERY = 500;

function selectItem(column: MysqlWireColumn): string {
  const name = quoteMysqlIdent(column.name);
  return column.wire === 'real' ? `(${name} + 0e0) AS ${name}` : name;
}

/**
 * The rows of `keys` that exist, encoded.
 *
 * @throws ReplicatorError `REPL_MYSQL_QUERY_FAILED` (and connection codes) when the read fails;
 *   value errors of `encodeMysqlRow`.
 */
export async function readMysqlRows(
  pool: Pool,
  described: DescribedMysqlTable,
  keys: readonly (readonly string[])[],
): Promise<readonly ChangeRow[]> {
  const { id } = described.table;
  const where = `${id.schema}.${id.table}`;
  const from = `${quoteMysqlIdent(id.schema)}.${quoteMysqlIdent(id.table)}`;
  const match = `(${described.keyColumns.map((c) => `${quoteMysqlIdent(c.name)} = ?`).join(' AND ')})`;
  const rows: ChangeRow[] = [];
  for (let start = 0; start < keys.length; start += KEYS_PER_QUERY) {
    const batch = keys.slice(start, start + KEYS_PER_QUERY);
    const sql = `SELECT ${described.columns.map(selectItem).join(', ')} FROM ${from} WHERE ${batch.map(() => match).join(' OR ')}`;
    const values = batch.flatMap((key) =>
      described.keyColumns.map((column, i) => mysqlKeyValue(key[i] ?? '', column)),
    );
    const [found] = await mysqlQuery(pool, `reading rows to repair of ${where}`, (p) =>
      p.query<RowDataPacket[]>(sql, values),
    );
    for (const row of found) rows.push(encodeMysqlRow(row, described.columns, where));
  }
  return rows;
}
