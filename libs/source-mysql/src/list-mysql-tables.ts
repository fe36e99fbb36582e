/**
 * The tables a MySQL/MariaDB source has, for `planTables` before the source is created.
 */
import {
  planTables,
  type ReplicatorConfig,
  type Secret,
  type TableId,
  type TablePlan,
} from '@database-replicator/core';
import { createConnection } from 'mysql2/promise';
import { describeEndpoint, mysqlConnectionConfig, mysqlEndpoint } from './config.js';
import { listTableIds } from './introspect.js';
import { mysqlQuery } from './mysql-query.js';

/**
 * Every base table of the URL's database, or of every non-system database when the URL names
 * none; `schema` is the database.
 *
 * @throws ReplicatorError `REPL_CONFIG_INVALID` (URL), `REPL_CONNECT_FAILED`, `REPL_AUTH_FAILED`,
 *   `REPL_MYSQL_QUERY_FAILED`.
 */
export async function listMysqlTables(url: Secret): Promise<readonly TableId[]> {
  const endpoint = mysqlEndpoint(url);
  const connection = await mysqlQuery(
    mysqlConnectionConfig(url),
    `connecting to ${describeEndpoint(endpoint)}`,
    (config) => createConnection(config),
  );
  connection.on('error', () => undefined);
  try {
    return await listTableIds(
      connection,
      endpoint.database === undefined ? 'all' : [endpoint.database],
    );
  } finally {
    await connection.end().catch(() => undefined);
  }
}

/**
 * The tables of the source that `filters` select, with their row and time filters. A MySQL
 * database is the schema level of table references: `db.table`, or `table` in the URL's
 * database.
 *
 * @throws ReplicatorError as {@link listMysqlTables}, and `REPL_CONFIG_TABLE_NOT_FOUND` when a
 *   filter names a table the source does not have.
 */
export async function planMysqlTables(
  url: Secret,
  filters: ReplicatorConfig['filters'],
): Promise<readonly TablePlan[]> {
  const tables = await listMysqlTables(url);
  return planTables(tables, filters, { schema: mysqlEndpoint(url).database ?? '' });
}
