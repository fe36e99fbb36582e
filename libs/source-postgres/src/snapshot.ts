/**
 * Snapshot pages of one table in key order: keyset pagination, one statement per page
 * (`WHERE (k1, k2) > ($1, $2) ORDER BY k1, k2 LIMIT n`), so memory holds one page and an
 * interrupted snapshot resumes after the last key sent. Pages are not read under one snapshot:
 * the stream from the start position replays every change made meanwhile (ARCHITECTURE §5).
 * Every value is read as the server's text and encoded by `encodePgWireValue`.
 */
import {
  formatTableRef,
  quoteIdent,
  quoteTable,
  replicatorError,
  type ChangeKey,
  type ChangeRow,
} from '@database-replicator/core';
import type { SnapshotReadOptions, SourceTable } from '@database-replicator/pipeline';
import { toPostgresText, type PostgresClientPool } from '@database-replicator/postgres';
import { encodeTuple, type WireColumn } from './pg-wire-value.js';
import { columnKindOf, wireTypeOf, type WireType } from './type-map.js';

/** What reading a table's pages needs besides the table. */
export type SnapshotContext = Readonly<{
  pool: PostgresClientPool;
  database: string;
  /** Each column's type OID. */
  typeOids: ReadonlyMap<string, number>;
  /** The table's row filter as stored in the publication, if any. */
  predicate: string | undefined;
}>;

// Every column arrives as the server's text; encodeTuple decides each value's JSON form.
const RAW_TEXT = Object.freeze({ getTypeParser: () => (value: string) => value });

/**
 * Pages of `table`'s rows with a key greater than `after`.
 *
 * @throws ReplicatorError `REPL_VALUE_INVALID` when `after` lacks a key column,
 *   `REPL_SOURCE_QUERY_FAILED` when a page cannot be read.
 */
export async function* readSnapshotPages(
  context: SnapshotContext,
  table: SourceTable,
  after: ChangeKey | null,
  options: SnapshotReadOptions,
): AsyncGenerator<readonly ChangeRow[]> {
  const columns: WireColumn[] = table.columns.map((column) => ({
    name: column.name,
    wire: wireTypeOf(context.typeOids.get(column.name) ?? 0),
  }));
  const where = formatTableRef(table.id);
  const pageRows = Math.max(1, Math.floor(options.pageRows));
  const wireOf = (name: string): WireType =>
    columns.find((column) => column.name === name)?.wire ?? 'text';
  let lastKey = after === null ? null : resumeKeyTexts(table, wireOf, after);
  while (options.signal?.aborted !== true) {
    const rows = await readPage(context, table, lastKey, pageRows);
    if (rows.length === 0) return;
    const page = rows.map((row) => encodeTuple(row, columns, where).row);
    yield Object.freeze(page);
    if (rows.length < pageRows) return;
    const last = rows[rows.length - 1] ?? {};
    lastKey = table.keyColumns.map((name) => textOf(last[name]));
  }
}

async function readPage(
  context: SnapshotContext,
  table: SourceTable,
  after: readonly (string | null)[] | null,
  pageRows: number,
): Promise<readonly Record<string, unknown>[]> {
  const keys = table.keyColumns.map(quoteIdent).join(', ');
  const conditions = [
    ...(context.predicate === undefined ? [] : [`(${context.predicate})`]),
    ...(after === null ? [] : [`(${keys}) > (${after.map((_, i) => `$${i + 1}`).join(', ')})`]),
  ];
  const text = `SELECT ${table.columns.map((column) => quoteIdent(column.name)).join(', ')}
      FROM ${quoteTable(table.id)}
      ${conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`}
     ORDER BY ${keys} LIMIT ${pageRows}`;
  try {
    const result = await context.pool.use((client) =>
      client.query<Record<string, unknown>>({ text, values: after ?? [], types: RAW_TEXT }),
    );
    return result.rows;
  } catch (error) {
    throw snapshotPageFailed(context, table, error);
  }
}

/** `REPL_SOURCE_QUERY_FAILED` for a snapshot page of `table` that could not be read. */
export function snapshotPageFailed(
  context: SnapshotContext,
  table: SourceTable,
  error: unknown,
): Error {
  const name = formatTableRef(table.id);
  const reason = error instanceof Error ? error.message : String(error);
  return replicatorError(
    'REPL_SOURCE_QUERY_FAILED',
    `Reading a snapshot page of ${name} in database ${context.database} failed: ${reason}`,
    { details: { database: context.database, table: name }, cause: error },
  );
}

/**
 * The resume key as PostgreSQL text, one per key column, decoded the way the target writer
 * decodes values.
 *
 * @throws ReplicatorError `REPL_VALUE_INVALID` when `after` lacks a key column.
 */
export function resumeKeyTexts(
  table: SourceTable,
  wireOf: (column: string) => WireType,
  after: ChangeKey,
): (string | null)[] {
  return table.keyColumns.map((name) => {
    const value = after[name];
    if (value === undefined) {
      throw replicatorError(
        'REPL_VALUE_INVALID',
        `The snapshot resume key of ${formatTableRef(table.id)} lacks key column ${name}`,
        { details: { table: formatTableRef(table.id), column: name } },
      );
    }
    return toPostgresText(value, columnKindOf(wireOf(name)));
  });
}

function textOf(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
