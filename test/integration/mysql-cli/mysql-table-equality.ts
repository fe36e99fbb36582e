/**
 * An independent comparison of the MariaDB source with the PostgreSQL target: both sides are
 * read with their own drivers and normalised to one text form per docs/type-mapping.md (formats
 * chosen in SQL on each side, JSON re-serialised with sorted keys), then compared key by key.
 * Nothing here uses the product's encoders.
 */
import { quoteIdent } from '@database-replicator/core';
import type mysql from 'mysql2/promise';
import type pg from 'pg';
import { withClient } from '../../support/postgres-databases.js';
import type { MysqlTestDatabase } from '../source-mysql/mysql-fixtures.js';
import { ACCOUNTS } from './mysql-cli-tables.js';

type Normalised = Map<string, string>;
type Cell = string | null;

/** One table: the SELECT list on each side; the first `keys` columns are the key. */
type TableSpec = Readonly<{ name: string; keys: number; mysql: string[]; postgres: string[] }>;

export const TABLES: readonly TableSpec[] = [
  {
    name: 'order_lines',
    keys: 2,
    mysql: ['order_id', 'line_no', 'qty', 'note'],
    postgres: ['order_id', 'line_no', 'qty', 'note'],
  },
  {
    name: ACCOUNTS,
    keys: 1,
    mysql: ['Id', 'FullName', 'Balance'],
    postgres: ['"Id"', '"FullName"', '"Balance"'],
  },
  {
    name: 'typed',
    keys: 1,
    mysql: [
      'id',
      "DATE_FORMAT(at, '%Y-%m-%d %H:%i:%s.%f')",
      'CAST(amount AS CHAR)',
      'doc',
      'LOWER(HEX(bin))',
      'status',
      'tags',
      "CASE WHEN active IS NULL THEN NULL WHEN active <> 0 THEN 'true' ELSE 'false' END",
    ],
    postgres: [
      'id',
      `to_char(at, 'YYYY-MM-DD HH24:MI:SS.US')`,
      'amount::text',
      'doc::text',
      "encode(bin, 'hex')",
      'status',
      // MySQL writes a set as its members in definition order joined by commas; {} is ''.
      "array_to_string(tags, ',')",
      'active::text',
    ],
  },
];

/** JSON re-serialised with sorted keys, so jsonb's key order does not count. */
function canonicalJson(text: string): string {
  const sort = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(sort);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([k, v]) => [k, sort(v)]),
      );
    }
    return value;
  };
  return JSON.stringify(sort(JSON.parse(text)));
}

function normaliseRow(table: TableSpec, cells: readonly unknown[]): [string, string] {
  const text: Cell[] = cells.map((cell, index) => {
    if (cell === null || cell === undefined) return null;
    const value = typeof cell === 'string' ? cell : String(cell);
    return table.name === 'typed' && index === 3 ? canonicalJson(value) : value;
  });
  return [JSON.stringify(text.slice(0, table.keys)), JSON.stringify(text.slice(table.keys))];
}

async function sourceRows(connection: mysql.Connection, table: TableSpec): Promise<Normalised> {
  const list = table.mysql.map((expr) => `CAST(${expr} AS CHAR)`).join(', ');
  const [rows] = await connection.query<unknown[][] & mysql.RowDataPacket[][]>({
    sql: `SELECT ${list} FROM \`${table.name}\``,
    rowsAsArray: true,
  });
  return new Map(rows.map((row) => normaliseRow(table, row)));
}

async function targetRows(
  client: pg.Client,
  schema: string,
  table: TableSpec,
): Promise<Normalised> {
  const exists = await client.query<{ e: boolean }>('SELECT to_regclass($1) IS NOT NULL AS e', [
    `${quoteIdent(schema)}.${quoteIdent(table.name)}`,
  ]);
  if (exists.rows[0]?.e !== true) return new Map();
  const list = table.postgres.map((expr) => `(${expr})::text`).join(', ');
  const { rows } = await client.query<unknown[]>({
    text: `SELECT ${list} FROM ${quoteIdent(schema)}.${quoteIdent(table.name)}`,
    rowMode: 'array',
  });
  return new Map(rows.map((row) => normaliseRow(table, row)));
}

/** Differences of one table, at most `limit` lines; empty when equal. */
function diff(name: string, source: Normalised, target: Normalised, limit = 8): string[] {
  const lines: string[] = [];
  let total = 0;
  for (const [key, row] of source) {
    const other = target.get(key);
    if (other === row) continue;
    total += 1;
    if (lines.length < limit) {
      lines.push(
        other === undefined
          ? `  ${name} ${key}: missing on the target`
          : `  ${name} ${key}: source ${row} target ${other}`,
      );
    }
  }
  for (const key of target.keys()) {
    if (source.has(key)) continue;
    total += 1;
    if (lines.length < limit) lines.push(`  ${name} ${key}: extra on the target`);
  }
  if (total === 0) return [];
  return [`${name}: ${total} rows differ (source ${source.size}, target ${target.size})`, ...lines];
}

/** Every difference between source and target, as text; empty when equal. */
export async function compareTables(source: MysqlTestDatabase, targetUrl: string): Promise<string> {
  const connection = await source.connect();
  try {
    return await withClient(targetUrl, async (client) => {
      await client.query("SET TimeZone = 'UTC'");
      const lines: string[] = [];
      for (const table of TABLES) {
        const [a, b] = [
          await sourceRows(connection, table),
          await targetRows(client, source.name, table),
        ];
        lines.push(...diff(table.name, a, b));
      }
      return lines.join('\n');
    });
  } finally {
    await connection.end();
  }
}

/** Polls until the target equals the source; fails after `timeoutMs` with the last diff. */
export async function waitForEqualTables(
  source: MysqlTestDatabase,
  targetUrl: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const differences = await compareTables(source, targetUrl);
    if (differences === '') return;
    if (Date.now() > deadline) {
      throw new Error(`the target still differs after ${timeoutMs} ms:\n${differences}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
