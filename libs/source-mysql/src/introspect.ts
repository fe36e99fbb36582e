/**
 * The catalog of a MySQL/MariaDB server as the source needs it: base tables of the selected
 * databases with their columns (generated ones flagged), indexes, row estimates and
 * auto_increment counters. Read from `information_schema`, so it needs only SELECT privileges.
 * MariaDB's JSON is a LONGTEXT with a column-level `json_valid` CHECK, found in
 * `CHECK_CONSTRAINTS`.
 */
import type { TableId } from '@database-replicator/core';
import type { RowDataPacket } from 'mysql2';
import type { Connection } from 'mysql2/promise';
import { SYSTEM_DATABASES } from './constants.js';
import { mysqlQuery } from './mysql-query.js';
import {
  readNumber,
  readOptionalNumber,
  readOptionalText,
  readText,
  type CatalogRow,
} from './row-reader.js';

/** One column. */
export type MysqlColumnInfo = Readonly<{
  name: string;
  /** `COLUMN_TYPE`, lower case: `int(10) unsigned`, `enum('a','b')`. */
  columnType: string;
  nullable: boolean;
  /** VIRTUAL or STORED generated: skipped by the replication. */
  generated: boolean;
  autoIncrement: boolean;
  /** A MariaDB JSON column (LONGTEXT checked by json_valid), or MySQL's JSON. */
  json: boolean;
}>;

/** One part of an index. */
export type MysqlIndexPart = Readonly<{
  /** `null` for a functional part (MySQL 8 expression). */
  column: string | null;
  /** Indexed prefix length; `null` for the whole column. */
  subPart: number | null;
  descending: boolean;
}>;

/** One index (`PRIMARY` for the primary key). */
export type MysqlIndexInfo = Readonly<{
  name: string;
  unique: boolean;
  /** `BTREE`, `HASH`, `FULLTEXT`, `SPATIAL`. */
  type: string;
  parts: readonly MysqlIndexPart[];
}>;

/** One base table. */
export type MysqlTableInfo = Readonly<{
  /** `schema` is the database. */
  id: TableId;
  columns: readonly MysqlColumnInfo[];
  indexes: readonly MysqlIndexInfo[];
  estimatedRows: number;
  /** Data and index bytes, for the snapshot time estimate. */
  dataBytes: number;
  /** The next auto_increment value; `null` without an auto_increment column. */
  autoIncrement: number | null;
}>;

/** Which databases to read: the named ones, or every non-system database. */
export type DatabaseScope = readonly string[] | 'all';

/**
 * Reads every base table of `scope`, tables and columns in catalog order.
 *
 * @throws ReplicatorError `REPL_MYSQL_QUERY_FAILED` when a catalog query fails.
 */
export async function introspectMysql(
  connection: Connection,
  scope: DatabaseScope,
): Promise<readonly MysqlTableInfo[]> {
  const [where, params] = scopeFilter(scope);
  const tables = await selectRows(
    connection,
    'the table list',
    TABLES_SQL + where + TABLES_ORDER,
    params,
  );
  const columns = await selectRows(
    connection,
    'the column list',
    COLUMNS_SQL + where + COLUMNS_ORDER,
    params,
  );
  const indexes = await selectRows(
    connection,
    'the index list',
    INDEXES_SQL + where + INDEXES_ORDER,
    params,
  );
  const jsonColumns = await readJsonChecks(connection, scope);
  const columnsOf = groupBy(columns, (row) => columnOf(row, jsonColumns));
  const indexesOf = groupIndexes(indexes);
  return Object.freeze(
    tables.map((row) => {
      const id = idOf(row, 'tables');
      const key = keyOf(id);
      return Object.freeze({
        id,
        columns: Object.freeze(columnsOf.get(key) ?? []),
        indexes: Object.freeze(indexesOf.get(key) ?? []),
        estimatedRows: readOptionalNumber(row, 'est_rows', 'tables') ?? 0,
        dataBytes: readOptionalNumber(row, 'data_bytes', 'tables') ?? 0,
        autoIncrement: readOptionalNumber(row, 'auto_inc', 'tables'),
      });
    }),
  );
}

/**
 * The ids of every base table of `scope`, for `planTables`.
 *
 * @throws ReplicatorError `REPL_MYSQL_QUERY_FAILED` when the catalog query fails.
 */
export async function listTableIds(
  connection: Connection,
  scope: DatabaseScope,
): Promise<readonly TableId[]> {
  const [where, params] = scopeFilter(scope);
  const rows = await selectRows(
    connection,
    'the table list',
    TABLES_SQL + where + TABLES_ORDER,
    params,
  );
  return Object.freeze(rows.map((row) => idOf(row, 'tables')));
}

const TABLES_SQL = `
SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name, TABLE_ROWS AS est_rows, AUTO_INCREMENT AS auto_inc,
       COALESCE(DATA_LENGTH, 0) + COALESCE(INDEX_LENGTH, 0) AS data_bytes
  FROM information_schema.TABLES
 WHERE TABLE_TYPE = 'BASE TABLE'`;
const TABLES_ORDER = ' ORDER BY TABLE_SCHEMA, TABLE_NAME';

const COLUMNS_SQL = `
SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name, COLUMN_NAME AS col, COLUMN_TYPE AS col_type,
       DATA_TYPE AS data_type, IS_NULLABLE AS nullable, EXTRA AS extra
  FROM information_schema.COLUMNS
 WHERE 1 = 1`;
const COLUMNS_ORDER = ' ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION';

const INDEXES_SQL = `
SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name, INDEX_NAME AS idx, NON_UNIQUE AS non_unique,
       COLUMN_NAME AS col, SUB_PART AS sub_part, COLLATION AS collation, INDEX_TYPE AS idx_type
  FROM information_schema.STATISTICS
 WHERE 1 = 1`;
const INDEXES_ORDER = ' ORDER BY TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX';

// MariaDB only: MySQL's CHECK_CONSTRAINTS has no TABLE_NAME, and MySQL's JSON is its own type.
const JSON_CHECKS_SQL = `
SELECT CONSTRAINT_SCHEMA AS db, TABLE_NAME AS name, CHECK_CLAUSE AS clause
  FROM information_schema.CHECK_CONSTRAINTS
 WHERE LEVEL = 'Column' AND CHECK_CLAUSE LIKE 'json\\_valid(%'`;

const GENERATED = /\b(?:VIRTUAL|STORED|PERSISTENT)\s+GENERATED\b/i;
const JSON_VALID = /^json_valid\(`((?:[^`]|``)+)`\)$/i;

function scopeFilter(scope: DatabaseScope, column = 'TABLE_SCHEMA'): [string, unknown[]] {
  const list = scope === 'all' ? SYSTEM_DATABASES : scope;
  if (list.length === 0) return [' AND 1 = 0', []];
  const marks = list.map(() => '?').join(', ');
  return [` AND ${column} ${scope === 'all' ? 'NOT IN' : 'IN'} (${marks})`, [...list]];
}

async function readJsonChecks(
  connection: Connection,
  scope: DatabaseScope,
): Promise<ReadonlySet<string>> {
  const [version] = await selectRows(connection, 'the server version', 'SELECT VERSION() AS v', []);
  if (version === undefined || !/mariadb/i.test(readText(version, 'v', 'version')))
    return new Set();
  const [where, params] = scopeFilter(scope, 'CONSTRAINT_SCHEMA');
  const sql = JSON_CHECKS_SQL + where;
  const rows = await selectRows(connection, 'the JSON column checks', sql, params);
  const columns = new Set<string>();
  for (const row of rows) {
    const match = JSON_VALID.exec(readText(row, 'clause', 'json checks'));
    if (match?.[1] !== undefined)
      columns.add(`${keyOf(idOf(row, 'json checks'))}.${match[1].replaceAll('``', '`')}`);
  }
  return columns;
}

function columnOf(row: CatalogRow, jsonColumns: ReadonlySet<string>): [string, MysqlColumnInfo] {
  const query = 'columns';
  const key = keyOf(idOf(row, query));
  const name = readText(row, 'col', query);
  const extra = readOptionalText(row, 'extra', query) ?? '';
  const dataType = readText(row, 'data_type', query).toLowerCase();
  const column: MysqlColumnInfo = Object.freeze({
    name,
    columnType: readText(row, 'col_type', query).toLowerCase(),
    nullable: readText(row, 'nullable', query) === 'YES',
    generated: GENERATED.test(extra),
    autoIncrement: /\bauto_increment\b/i.test(extra),
    json: dataType === 'json' || (dataType === 'longtext' && jsonColumns.has(`${key}.${name}`)),
  });
  return [key, column];
}

function groupIndexes(rows: readonly CatalogRow[]): Map<string, MysqlIndexInfo[]> {
  const query = 'indexes';
  const byTable = new Map<
    string,
    Map<string, { unique: boolean; type: string; parts: MysqlIndexPart[] }>
  >();
  for (const row of rows) {
    const key = keyOf(idOf(row, query));
    const name = readText(row, 'idx', query);
    const indexes = byTable.get(key) ?? new Map();
    byTable.set(key, indexes);
    const index = indexes.get(name) ?? {
      unique: readNumber(row, 'non_unique', query) === 0,
      type: readText(row, 'idx_type', query).toUpperCase(),
      parts: [],
    };
    indexes.set(name, index);
    index.parts.push(
      Object.freeze({
        column: readOptionalText(row, 'col', query),
        subPart: readOptionalNumber(row, 'sub_part', query),
        descending: readOptionalText(row, 'collation', query) === 'D',
      }),
    );
  }
  const result = new Map<string, MysqlIndexInfo[]>();
  for (const [key, indexes] of byTable) {
    result.set(
      key,
      [...indexes].map(([name, index]) =>
        Object.freeze({
          name,
          unique: index.unique,
          type: index.type,
          parts: Object.freeze(index.parts),
        }),
      ),
    );
  }
  return result;
}

function groupBy<T>(
  rows: readonly CatalogRow[],
  read: (row: CatalogRow) => [string, T],
): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const [key, value] = read(row);
    const group = groups.get(key) ?? [];
    group.push(value);
    groups.set(key, group);
  }
  return groups;
}

function idOf(row: CatalogRow, query: string): TableId {
  return Object.freeze({ schema: readText(row, 'db', query), table: readText(row, 'name', query) });
}

/** A map key of a table: database and table joined by a character neither may contain. */
export function keyOf(id: TableId): string {
  return `${id.schema}\u0000${id.table}`;
}

async function selectRows(
  connection: Connection,
  what: string,
  sql: string,
  params: unknown[],
): Promise<CatalogRow[]> {
  const rows = await mysqlQuery(connection, `reading ${what}`, (c) =>
    c.query<RowDataPacket[]>(sql, params),
  );
  return rows[0];
}
