/**
 * The source side of `verify --repair` for a PostgreSQL source: the current rows of given keys,
 * as wire values (ARCHITECTURE §3: bytea as base64, json as JSON values, everything else as
 * PostgreSQL's text, which the writer hands back to PostgreSQL unchanged), and the position the
 * repair events carry.
 */
import {
  parseExactJson,
  quoteIdent,
  quoteTable,
  type ChangeRow,
  type JsonValue,
  type PostgresPosition,
  type Secret,
  type TableId,
} from '@database-replicator/core';
import { connectPostgres, hostOf, type PostgresClient } from '../connection.js';
import { readTargetTableShape, type TargetColumn } from '../writer/target-table-shape.js';
import { verifyQueryFailed } from './verify-query-failed.js';

/** Rows by key from a PostgreSQL source; `close()` when done. */
export type PostgresRepairSource = Readonly<{
  /** The source's current WAL position. */
  position(): Promise<PostgresPosition>;
  /** The rows of `keys` (text per key column, in key order) that exist; others are absent. */
  readRows(
    table: TableId,
    keyColumns: readonly string[],
    keys: readonly (readonly string[])[],
  ): Promise<readonly ChangeRow[]>;
  close(): Promise<void>;
}>;

/** The select-list expression of `column` of the table aliased `t`. */
function selectItem(column: TargetColumn): string {
  const name = `t.${quoteIdent(column.name)}`;
  // encode() breaks base64 into lines of 76 characters.
  if (column.kind === 'bytea') return `translate(encode(${name}, 'base64'), E'\\n', '')`;
  return `${name}::text`;
}

function wireValue(column: TargetColumn, text: string | null): JsonValue {
  if (text === null) return null;
  return column.kind === 'json' ? parseExactJson(text) : text;
}

async function readRows(
  client: PostgresClient,
  table: TableId,
  keyColumns: readonly string[],
  keys: readonly (readonly string[])[],
): Promise<readonly ChangeRow[]> {
  const shape = await readTargetTableShape(client, table);
  const columns = [...shape.columns.values()].filter((c) => !c.generated);
  const type = (name: string) => shape.columns.get(name)?.type ?? 'text';
  const join = keyColumns
    .map((name, i) => `t.${quoteIdent(name)} = u.k${i}::${type(name)}`)
    .join(' AND ');
  const unnest = keyColumns.map((_, i) => `$${i + 1}::text[]`).join(', ');
  const aliases = keyColumns.map((_, i) => `k${i}`).join(', ');
  const items = columns.map((c, i) => `${selectItem(c)} AS c${i}`).join(', ');
  const sql = `SELECT ${items} FROM ${quoteTable(table)} t JOIN unnest(${unnest}) AS u(${aliases}) ON ${join}`;
  const params = keyColumns.map((_, i) => keys.map((key) => key[i] ?? null));
  const { rows } = await client.query<Record<string, string | null>>(sql, params);
  return rows.map((row) => {
    const out: Record<string, JsonValue> = {};
    columns.forEach((column, i) => {
      out[column.name] = wireValue(column, row[`c${i}`] ?? null);
    });
    return Object.freeze(out);
  });
}

/**
 * Connects to the source for repair reads.
 *
 * @throws ReplicatorError `REPL_CONNECT_FAILED` / `REPL_AUTH_FAILED`; its methods throw
 *   `REPL_VERIFY_QUERY_FAILED` naming the table.
 */
export async function openPostgresRepairSource(source: Secret): Promise<PostgresRepairSource> {
  const client = await connectPostgres(source, { applicationName: 'database-replicator repair' });
  const where = hostOf(source);
  return Object.freeze({
    async position(): Promise<PostgresPosition> {
      try {
        const { rows } = await client.query<{ lsn: string }>(
          'SELECT pg_current_wal_lsn()::text AS lsn',
        );
        return Object.freeze({ kind: 'postgres', lsn: rows[0]?.lsn ?? '0/0', txIndex: 0 });
      } catch (error) {
        throw verifyQueryFailed({ what: 'read the WAL position', side: 'source', where }, error);
      }
    },
    async readRows(table, keyColumns, keys) {
      try {
        return await readRows(client, table, keyColumns, keys);
      } catch (error) {
        const name = `${table.schema}.${table.table}`;
        throw verifyQueryFailed(
          { what: `read rows to repair of table ${name}`, side: 'source', where, table: name },
          error,
        );
      }
    },
    close: () => client.close(),
  });
}
