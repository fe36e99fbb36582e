/**
 * Primary keys built after the load. A table the job creates for a snapshot gets its columns
 * only: PostgreSQL would otherwise check and index the key of every copied row, and one index
 * build after the load costs the server about a third less (1,000,000 rows of the benchmark's
 * orders: COPY 6.6 s with the key, 4.2 s + 0.7 s without it and built after). A table without
 * its key would store a page sent twice twice, so the key is built before anything can send one
 * or needs it: when a snapshot is resumed, when it is done, and before a change is applied.
 */
import {
  formatTableRef,
  quoteIdent,
  quoteTable,
  replicatorError,
  type TableId,
} from '@database-replicator/core';
import type pg from 'pg';
import { JOB_TABLES_TABLE } from './job-schema.js';

/**
 * Builds `table`'s primary key if a job deferred it, and records that it exists, for every job
 * that registered the table. Run it inside a transaction: the job rows stay locked until the
 * key is committed, so a concurrent caller waits and then finds nothing left to build.
 *
 * @throws ReplicatorError `REPL_JOB_QUERY_FAILED` when the target refuses the key.
 */
export async function buildDeferredPrimaryKey(
  client: pg.ClientBase,
  table: TableId,
): Promise<void> {
  const { rows } = await client.query<{ key_columns: string[] }>(
    `UPDATE ${quoteTable(JOB_TABLES_TABLE)}
        SET primary_key_deferred = false, updated_at = now()
      WHERE schema_name = $1 AND table_name = $2 AND primary_key_deferred
      RETURNING key_columns`,
    [table.schema, table.table],
  );
  const keyColumns = rows[0]?.key_columns;
  if (keyColumns === undefined) return;
  const key = keyColumns.map(quoteIdent).join(', ');
  try {
    await client.query(`ALTER TABLE ${quoteTable(table)} ADD PRIMARY KEY (${key})`);
  } catch (error) {
    const name = formatTableRef(table);
    const reason = error instanceof Error ? error.message : String(error);
    throw replicatorError(
      'REPL_JOB_QUERY_FAILED',
      `building the primary key (${keyColumns.join(', ')}) of ${name} after its load failed: ${reason}`,
      {
        fix: 'Read the server message: duplicate keys mean rows were written to the table outside the job; remove them (or drop the table to copy it again) and run the job again.',
        details: { table: name },
        cause: error,
      },
    );
  }
}

/**
 * The key columns a job recorded for `table` while its primary key is deferred; `undefined`
 * when no job defers it.
 */
export async function readDeferredKeyColumns(
  client: pg.ClientBase,
  table: TableId,
): Promise<readonly string[] | undefined> {
  const { rows } = await client.query<{ key_columns: string[] }>(
    `SELECT key_columns FROM ${quoteTable(JOB_TABLES_TABLE)}
      WHERE schema_name = $1 AND table_name = $2 AND primary_key_deferred
      LIMIT 1`,
    [table.schema, table.table],
  );
  const keyColumns = rows[0]?.key_columns;
  return keyColumns === undefined ? undefined : Object.freeze([...keyColumns]);
}
