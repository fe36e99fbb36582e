/**
 * `validate` for a MySQL/MariaDB source: connect, read the facts, judge them. Never throws for a
 * failed prerequisite; an unreachable server is the report's first failed row.
 */
import { isReplicatorError, tableKey, type Secret, type TableId } from '@database-replicator/core';
import { createConnection, type Connection } from 'mysql2/promise';
import { describeEndpoint, mysqlConnectionConfig, mysqlEndpoint } from '../config.js';
import { ASSUMED_SNAPSHOT_BYTES_PER_SECOND } from '../constants.js';
import { introspectMysql } from '../introspect.js';
import { mysqlError } from '../mysql-query.js';
import { evaluateMysqlValidation } from './evaluate-mysql-validation.js';
import { gatherMysqlFacts } from './gather-mysql-facts.js';
import type { MysqlValidationFacts, MysqlValidationReport } from './mysql-validation-facts.js';

/** Options of {@link validateMysql}. */
export type ValidateMysqlOptions = Readonly<{
  /** The selected tables. Default: every base table of the URL's database (or of all). */
  tables?: readonly TableId[];
  /**
   * Expected snapshot duration, seconds. Default: the selected tables' data and index bytes at
   * 20 MiB/s.
   */
  estimatedSnapshotSeconds?: number;
}>;

/**
 * Checks every prerequisite of streaming from `url`: binlog on, ROW format, FULL row image, GTID
 * mode, server_id, REPLICATION SLAVE, REPLICATION CLIENT, SELECT on the tables, and binlog
 * retention against the estimated snapshot time.
 *
 * @throws ReplicatorError `REPL_CONFIG_INVALID` for a URL that is not `mysql://`/`mariadb://`.
 */
export async function validateMysql(
  url: Secret,
  options: ValidateMysqlOptions = {},
): Promise<MysqlValidationReport> {
  const endpoint = mysqlEndpoint(url);
  const where = describeEndpoint(endpoint);
  let connection: Connection;
  try {
    connection = await createConnection(mysqlConnectionConfig(url));
  } catch (error) {
    const failure = mysqlError(error, `connecting to ${where}`);
    return evaluateMysqlValidation({
      server: { unreachable: failure.message, fix: failure.fix },
      estimatedSnapshotSeconds: options.estimatedSnapshotSeconds ?? 0,
    });
  }
  connection.on('error', () => undefined);
  try {
    return evaluateMysqlValidation(await readFacts(connection, where, endpoint.database, options));
  } catch (error) {
    if (!isReplicatorError(error)) throw error;
    return evaluateMysqlValidation({
      server: { unreachable: error.message, fix: error.fix },
      estimatedSnapshotSeconds: options.estimatedSnapshotSeconds ?? 0,
    });
  } finally {
    await connection.end().catch(() => undefined);
  }
}

async function readFacts(
  connection: Connection,
  where: string,
  database: string | undefined,
  options: ValidateMysqlOptions,
): Promise<MysqlValidationFacts> {
  const infos = await introspectMysql(connection, database === undefined ? 'all' : [database]);
  const wanted = options.tables === undefined ? undefined : new Set(options.tables.map(idKey));
  const tables = infos
    .filter((info) => wanted === undefined || wanted.has(idKey(info.id)))
    .map((info) => Object.freeze({ id: info.id, rows: info.estimatedRows, bytes: info.dataBytes }));
  const bytes = tables.reduce((sum, table) => sum + table.bytes, 0);
  return Object.freeze({
    server: await gatherMysqlFacts(connection, where, tables),
    estimatedSnapshotSeconds:
      options.estimatedSnapshotSeconds ?? bytes / ASSUMED_SNAPSHOT_BYTES_PER_SECOND,
  });
}

function idKey(id: TableId): string {
  return tableKey({ schema: id.schema, table: id.table });
}
