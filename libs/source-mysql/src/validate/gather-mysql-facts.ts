/**
 * Reads what `validate` judges from a MySQL/MariaDB server: binlog settings, GTID mode, server
 * id, retention, the connecting user's privileges and the sizes of the selected tables.
 */
import type { TableId } from '@database-replicator/core';
import type { RowDataPacket } from 'mysql2';
import type { Connection } from 'mysql2/promise';
import { mysqlQuery } from '../mysql-query.js';
import {
  readNumber,
  readOptionalNumber,
  readOptionalText,
  readText,
  type CatalogRow,
} from '../row-reader.js';
import type { MysqlPrivileges, MysqlServerFacts } from './mysql-validation-facts.js';

/** Selected tables with their catalog sizes. */
export type SizedTable = Readonly<{ id: TableId; rows: number; bytes: number }>;

/**
 * Reads the server facts.
 *
 * @throws ReplicatorError `REPL_MYSQL_QUERY_FAILED` when a query fails.
 */
export async function gatherMysqlFacts(
  connection: Connection,
  where: string,
  tables: readonly SizedTable[],
): Promise<MysqlServerFacts> {
  const settings = await one(connection, 'the server settings', SETTINGS_SQL);
  const mariadb = /mariadb/i.test(readText(settings, 'version', 'settings'));
  const gtidMode = mariadb
    ? null
    : readOptionalText(
        await one(connection, 'the GTID mode', 'SELECT @@GLOBAL.gtid_mode AS mode'),
        'mode',
        'gtid_mode',
      );
  const retention = await readRetention(connection, mariadb);
  const user = readText(settings, 'grantee', 'settings');
  return Object.freeze({
    where,
    user,
    version: readText(settings, 'version', 'settings'),
    mariadb,
    logBin: readNumber(settings, 'log_bin', 'settings') === 1,
    binlogFormat: readText(settings, 'binlog_format', 'settings').toUpperCase(),
    binlogRowImage: readText(settings, 'row_image', 'settings').toUpperCase(),
    gtidMode,
    serverId: readNumber(settings, 'server_id', 'settings'),
    binlogRetentionSeconds: retention,
    privileges: await readPrivileges(connection, user),
    tables,
  });
}

const SETTINGS_SQL = `
SELECT VERSION() AS version, @@GLOBAL.log_bin AS log_bin, @@GLOBAL.binlog_format AS binlog_format,
       @@GLOBAL.binlog_row_image AS row_image, @@GLOBAL.server_id AS server_id,
       CONCAT("'", SUBSTRING_INDEX(CURRENT_USER(), '@', 1), "'@'",
              SUBSTRING_INDEX(CURRENT_USER(), '@', -1), "'") AS grantee`;

/**
 * Seconds binlogs are kept; `null` for never. MySQL 8 and MariaDB 10.6+ have
 * binlog_expire_logs_seconds; MariaDB also keeps expire_logs_days in step with it.
 */
async function readRetention(connection: Connection, mariadb: boolean): Promise<number | null> {
  const seconds = await optionalVariable(connection, 'binlog_expire_logs_seconds');
  const days =
    mariadb || seconds === null ? await optionalVariable(connection, 'expire_logs_days') : null;
  const value =
    seconds !== null && seconds > 0 ? seconds : days !== null && days > 0 ? days * 86_400 : 0;
  return value > 0 ? value : null;
}

async function optionalVariable(connection: Connection, name: string): Promise<number | null> {
  const [rows] = await mysqlQuery(connection, `reading ${name}`, (c) =>
    c.query<RowDataPacket[]>('SHOW GLOBAL VARIABLES WHERE Variable_name = ?', [name]),
  );
  const row = rows[0];
  return row === undefined ? null : readOptionalNumber(row, 'Value', name);
}

async function readPrivileges(connection: Connection, grantee: string): Promise<MysqlPrivileges> {
  const global = await select(
    connection,
    'the global privileges',
    'SELECT PRIVILEGE_TYPE AS p FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = ?',
    [grantee],
  );
  const databases = await select(
    connection,
    'the database privileges',
    'SELECT TABLE_SCHEMA AS db, PRIVILEGE_TYPE AS p FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE = ?',
    [grantee],
  );
  const tables = await select(
    connection,
    'the table privileges',
    'SELECT TABLE_SCHEMA AS db, TABLE_NAME AS t, PRIVILEGE_TYPE AS p FROM information_schema.TABLE_PRIVILEGES WHERE GRANTEE = ?',
    [grantee],
  );
  return Object.freeze({
    global: Object.freeze(global.map((row) => privilege(row))),
    databases: group(databases, (row) => readText(row, 'db', 'privileges')),
    tables: group(
      tables,
      (row) => `${readText(row, 'db', 'privileges')}.${readText(row, 't', 'privileges')}`,
    ),
  });
}

function privilege(row: CatalogRow): string {
  return readText(row, 'p', 'privileges').toUpperCase();
}

function group(
  rows: readonly CatalogRow[],
  keyOf: (row: CatalogRow) => string,
): Readonly<Record<string, readonly string[]>> {
  const groups: Record<string, string[]> = {};
  for (const row of rows) (groups[keyOf(row)] ??= []).push(privilege(row));
  return Object.freeze(groups);
}

async function one(connection: Connection, what: string, sql: string): Promise<CatalogRow> {
  const [row] = await select(connection, what, sql, []);
  return row ?? {};
}

async function select(
  connection: Connection,
  what: string,
  sql: string,
  params: unknown[],
): Promise<CatalogRow[]> {
  const [rows] = await mysqlQuery(connection, `reading ${what}`, (c) =>
    c.query<RowDataPacket[]>(sql, params),
  );
  return rows;
}
