/**
 * Options of a MySQL/MariaDB source, checked before anything connects, and the driver settings
 * every connection uses so that values arrive lossless (ARCHITECTURE §3).
 */
import {
  redactUrl,
  replicatorError,
  type Logger,
  type Secret,
  type TableId,
  type TablePlan,
} from '@database-replicator/core';
import type { ConnectionOptions } from 'mysql2';
import { DEFAULT_CONNECTIONS, SERVER_ID_MAX, SERVER_ID_MIN } from './constants.js';

/**
 * What a MySQL `TIME` column becomes: `time` (time of day; a value outside 00:00:00–24:00:00
 * fails with `REPL_MYSQL_VALUE_OUT_OF_RANGE`) or `interval` (the whole MySQL range,
 * -838:59:59 to 838:59:59).
 */
export type MysqlTimeType = 'time' | 'interval';

/** Options of `createMysqlSource`. */
export type MysqlSourceOptions = Readonly<{
  /**
   * `mysql://user:password@host:port/database` (or `mariadb://`). Without a database every
   * non-system database is read. Credentials inside stay secret.
   */
  url: Secret;
  /** The source's configured name: `source.name` of events and the second topic segment. */
  name: string;
  /**
   * The selected tables with their filters (`planTables` over `listMysqlTables`). Default: every
   * table found, unfiltered.
   */
  tables?: readonly TablePlan[];
  /**
   * The plan of a table created while streaming (CREATE TABLE in the binlog), or `undefined` to
   * leave it out. Default: with `tables`, none; without, every table of the URL's database (of
   * every database when the URL names none). Only the databases of the selected tables are read.
   */
  includeNewTable?: (id: TableId) => TablePlan | undefined;
  /** Target type of `TIME` columns. Default `time`. */
  timeType?: MysqlTimeType;
  /** Most SQL connections open at once (parallel snapshot readers). Default 4. */
  connections?: number;
  /**
   * Replica server id of the binlog connection; must differ from every server and replica of
   * the topology. Default: random in 1000000..2^31-1.
   */
  serverId?: number;
  logger: Logger;
}>;

/** {@link MysqlSourceOptions} checked, with defaults applied. */
export type ResolvedMysqlOptions = Readonly<{
  url: Secret;
  /** The URL's database; `undefined` when every non-system database is read. */
  database: string | undefined;
  name: string;
  tables: readonly TablePlan[] | undefined;
  /** `undefined` when no created table can be selected. */
  includeNewTable: ((id: TableId) => TablePlan | undefined) | undefined;
  timeType: MysqlTimeType;
  connections: number;
  serverId: number;
  logger: Logger;
}>;

/**
 * Checks `options` and applies the defaults.
 *
 * @throws ReplicatorError `REPL_CONFIG_INVALID` for a URL that is not `mysql://`/`mariadb://`,
 *   a connection count below 1 or a server id outside 1..2^32-1.
 */
export function resolveMysqlOptions(options: MysqlSourceOptions): ResolvedMysqlOptions {
  const connections = options.connections ?? DEFAULT_CONNECTIONS;
  if (!Number.isInteger(connections) || connections < 1) {
    throw invalid('connections', `must be a whole number of at least 1, got ${connections}`);
  }
  const serverId =
    options.serverId ?? SERVER_ID_MIN + Math.floor(Math.random() * (SERVER_ID_MAX - SERVER_ID_MIN));
  if (!Number.isInteger(serverId) || serverId < 1 || serverId > 2 ** 32 - 1) {
    throw invalid('serverId', `must be a whole number in 1..4294967295, got ${serverId}`);
  }
  const database = mysqlEndpoint(options.url).database;
  return Object.freeze({
    url: options.url,
    database,
    name: options.name,
    tables: options.tables,
    includeNewTable: options.includeNewTable ?? newTablesOf(options.tables, database),
    timeType: options.timeType ?? 'time',
    connections,
    serverId,
    logger: options.logger,
  });
}

/** The default of {@link MysqlSourceOptions.includeNewTable}. */
function newTablesOf(
  tables: readonly TablePlan[] | undefined,
  database: string | undefined,
): ((id: TableId) => TablePlan | undefined) | undefined {
  if (tables !== undefined) return undefined;
  return (id) =>
    database === undefined || id.schema === database
      ? Object.freeze({ id, schemaOnly: false, rowFilters: [], timeFilters: [] })
      : undefined;
}

/** Where a MySQL URL points; never the password. */
export type MysqlEndpoint = Readonly<{
  host: string;
  port: number;
  user: string;
  database: string | undefined;
}>;

/**
 * Host, port, user and database of a `mysql://`/`mariadb://` URL.
 *
 * @throws ReplicatorError `REPL_CONFIG_INVALID` (the URL redacted) for any other form.
 */
export function mysqlEndpoint(url: Secret): MysqlEndpoint {
  const parsed = parseUrl(url);
  const path = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  return Object.freeze({
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port === '' ? 3306 : Number(parsed.port),
    user: decodeURIComponent(parsed.username),
    database: path === '' ? undefined : path,
  });
}

/**
 * mysql2 connection options for `url`, set up for lossless values: dates, datetimes and
 * timestamps as the server's text (microseconds kept, zero dates visible), BIGINT and DECIMAL as
 * exact strings, JSON as its text, utf8mb4 so 4-byte characters survive, UTC for TIMESTAMP.
 *
 * @throws ReplicatorError `REPL_CONFIG_INVALID` as {@link mysqlEndpoint}.
 */
export function mysqlConnectionConfig(url: Secret): ConnectionOptions {
  const endpoint = mysqlEndpoint(url);
  const password = decodeURIComponent(parseUrl(url).password);
  return {
    host: endpoint.host,
    port: endpoint.port,
    user: endpoint.user,
    password,
    ...(endpoint.database === undefined ? {} : { database: endpoint.database }),
    charset: 'UTF8MB4_UNICODE_CI',
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    jsonStrings: true,
    timezone: 'Z',
    enableKeepAlive: true,
  };
}

/** `host:port` for messages. */
export function describeEndpoint(endpoint: MysqlEndpoint): string {
  return `${endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}`;
}

function parseUrl(url: Secret): URL {
  const text = url.reveal();
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch (error) {
    throw replicatorError('REPL_CONFIG_INVALID', `"${redactUrl(text)}" is not a valid URL`, {
      fix: 'Write the source as mysql://user:password@host:port/database.',
      details: { configKey: 'source' },
      cause: error,
    });
  }
  if (parsed.protocol !== 'mysql:' && parsed.protocol !== 'mariadb:') {
    throw replicatorError(
      'REPL_CONFIG_INVALID',
      `"${redactUrl(text)}" is not a mysql:// or mariadb:// URL`,
      {
        fix: 'Write the source as mysql://user:password@host:port/database.',
        details: { configKey: 'source' },
      },
    );
  }
  return parsed;
}

function invalid(key: string, problem: string): Error {
  return replicatorError('REPL_CONFIG_INVALID', `${key} ${problem}`, {
    details: { configKey: key },
  });
}
