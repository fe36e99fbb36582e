/**
 * The tables a MySQL/MariaDB source has, for `planTables` before the source is created.
 */
import type { Secret, TableId } from '@database-replicator/core';
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
