/**
 * The MySQL/MariaDB source of a cross-engine verify run: the selected tables described as the
 * replication describes them (same key, same wire types), each with its source checksummer and
 * the column renderings the PostgreSQL side needs, plus what `verify --repair` reads: rows by
 * key, encoded by the replication's own encoder, and the current binlog position. One mysql2
 * pool in UTC; the caller closes the session.
 */
import {
  formatTableRef,
  planTables,
  type BinlogPosition,
  type Logger,
  type ReplicatorConfig,
  type Secret,
  type TableSelector,
} from '@database-replicator/core';
import {
  selectVerifyPlans,
  verifyBlockOf,
  type SourceVerifySession,
  type SourceVerifyTable,
} from '@database-replicator/pipeline';
import { createPool, type Pool, type RowDataPacket } from 'mysql2/promise';
import { mysqlConnectionConfig, mysqlEndpoint } from '../config.js';
import { SESSION_TIME_ZONE_SQL } from '../constants.js';
import { describeMysqlTables, type DescribedMysqlTable } from '../describe-tables.js';
import { introspectMysql, keyOf } from '../introspect.js';
import { mysqlQuery } from '../mysql-query.js';
import { readStartPosition } from '../position.js';
import { canonicalKindOf, isTextKey, type MysqlCanonicalKind } from './mysql-canonical-sql.js';
import {
  createMysqlChecksummer,
  GROUP_CONCAT_SQL,
  type MysqlChecksummer,
} from './mysql-checksummer.js';
import { readRangeSizing, type RangeSizing } from './range-sizing.js';
import { readMysqlRows } from './read-mysql-rows.js';

/** Options of {@link openMysqlVerify}. */
export type MysqlVerifyOptions = Readonly<{
  url: Secret;
  filters: ReplicatorConfig['filters'];
  /** Verify only these (`--tables`); each must be among the selected tables. */
  tables?: readonly TableSelector[];
  /** Connections for range queries (the verifier's concurrency). Default 4. */
  connections?: number;
  logger?: Logger;
}>;

/** One table of the run. */
export type MysqlVerifyTable = SourceVerifyTable<MysqlCanonicalKind, MysqlChecksummer>;

/**
 * An open MySQL verify source; see {@link openMysqlVerify}. Its name is the URL's database; its
 * position, carried by repair events, the current binlog position.
 */
export type MysqlVerifySession = SourceVerifySession<MysqlVerifyTable, 'mysql', BinlogPosition>;

function describeForVerify(
  pool: Pool,
  described: DescribedMysqlTable,
  sizing: RangeSizing,
): MysqlVerifyTable {
  const { table, plan } = described;
  const blocked = verifyBlockOf(
    plan,
    'table_filters / time_filters are MySQL SQL the target cannot evaluate: rows not compared',
  );
  return Object.freeze({
    id: table.id,
    table: formatTableRef(table.id),
    keyColumns: table.keyColumns,
    columns: described.columns.map((c) => ({ name: c.name, kind: canonicalKindOf(c.wire) })),
    key: described.keyColumns.map((c) => ({ name: c.name, text: isTextKey(c) })),
    source: createMysqlChecksummer({
      pool,
      table: table.id,
      columns: described.columns,
      keyColumns: described.keyColumns,
      sizing,
      notNull: new Set(table.columns.filter((c) => !c.nullable).map((c) => c.name)),
    }),
    ...(blocked === undefined ? {} : { blocked }),
    notes: described.columns.some((c) => c.wire === 'json')
      ? ['JSON columns: rendered as jsonb prints them and hashed in Node (slower)']
      : [],
  });
}

/**
 * Connects and describes every table to verify.
 *
 * @throws ReplicatorError `REPL_CONFIG_INVALID` (URL), `REPL_CONNECT_FAILED`, `REPL_AUTH_FAILED`,
 *   `REPL_MYSQL_QUERY_FAILED`, `REPL_CONFIG_TABLE_NOT_FOUND`, `REPL_MYSQL_KEYLESS_TABLE`,
 *   `REPL_MYSQL_TYPE_UNSUPPORTED` (as replication refuses the same tables).
 */
export async function openMysqlVerify(options: MysqlVerifyOptions): Promise<MysqlVerifySession> {
  const database = mysqlEndpoint(options.url).database ?? '';
  const pool = createPool({
    ...mysqlConnectionConfig(options.url),
    connectionLimit: Math.max(1, options.connections ?? 4) + 1,
  });
  pool.on('connection', (connection) => {
    connection.on('error', (error) =>
      options.logger?.warn({ err: error }, 'idle MySQL verify connection failed'),
    );
    // TIMESTAMP values are read in UTC, as replication reads them.
    connection.query(SESSION_TIME_ZONE_SQL);
    connection.query(GROUP_CONCAT_SQL);
  });
  try {
    const infos = await mysqlQuery(pool, 'describing tables for verify', async (p) => {
      const connection = await p.getConnection();
      try {
        return await introspectMysql(connection, database === '' ? 'all' : [database]);
      } finally {
        connection.release();
      }
    });
    const plans = planTables(
      infos.map((info) => info.id),
      options.filters,
      { schema: database },
    );
    const selected = selectVerifyPlans(plans, options.tables, {
      defaultSchema: database,
      noun: 'table',
      source: 'the source',
      form: '[db.]table',
    });
    const described = describeMysqlTables(infos, selected, 'time');
    const byKey = new Map(described.map((d) => [keyOf(d.table.id), d]));
    const sizingOf = await readRangeSizing(pool, described, infos);
    return Object.freeze({
      tables: described.map((d) => describeForVerify(pool, d, sizingOf(d))),
      connector: 'mysql',
      name: database === '' ? 'mysql' : database,
      database,
      position: () =>
        mysqlQuery(pool, 'reading the binlog position', async (p) => {
          const connection = await p.getConnection();
          try {
            const [rows] = await connection.query<RowDataPacket[]>('SELECT VERSION() AS v');
            return await readStartPosition(connection, /mariadb/i.test(String(rows[0]?.['v'])));
          } finally {
            connection.release();
          }
        }),
      readRows: (table, _keyColumns, keys) => {
        const found = byKey.get(keyOf(table));
        if (found === undefined) return Promise.resolve([]);
        return readMysqlRows(pool, found, keys);
      },
      close: () => pool.end().catch(() => undefined),
    });
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
}
