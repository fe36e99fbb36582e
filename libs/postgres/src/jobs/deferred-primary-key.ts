/**
 * Primary keys built after the load. A table the job creates for a snapshot gets its columns
 * only: PostgreSQL would otherwise check and index the key of every copied row, and one index
 * build after the load costs the server about a third less (1,000,000 rows of the benchmark's
 * orders: COPY 6.6 s with the key, 4.2 s + 0.7 s without it and built after). A table without
 * its key would store a page sent twice twice, so the key is built before anything can send one
 * or needs it: when a snapshot is resumed, when it is done, and before a change is applied.
 */
import { quoteIdent, quoteTable, type TableId } from '@database-replicator/core';
import type pg from 'pg';
import { targetDdlFailed } from './job-errors.js';
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
    throw targetDdlFailed(error, {
      action: (name) =>
        `building the primary key (${keyColumns.join(', ')}) of ${name} after its load`,
      table,
      fix: 'Read the server message: duplicate keys mean rows were written to the table outside the job; remove them (or drop the table to copy it again) and run the job again.',
    });
  }
}

/** The columns that key a target table, and whether a job still defers building that key. */
export type TargetKey = Readonly<{ columns: readonly string[]; deferred: boolean }>;

/**
 * `table`'s primary key from the catalog or, while a job defers it, the key the job recorded;
 * `undefined` when the table does not exist or has neither. One statement, so one snapshot: a
 * key built meanwhile (its job row cleared in the same transaction) is seen in one place or the
 * other, never in neither.
 */
export async function readTargetKey(
  client: pg.ClientBase,
  table: TableId,
): Promise<TargetKey | undefined> {
  // to_regclass is NULL (no error) for a missing table or schema; array_agg over no rows is NULL.
  const { rows } = await client.query<{ built: string[] | null; deferred: string[] | null }>(
    `SELECT (SELECT array_agg(a.attname::text ORDER BY k.position)
               FROM pg_index i
              CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, position)
               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
              WHERE i.indrelid = to_regclass($1) AND i.indisprimary) AS built,
            (SELECT key_columns FROM ${quoteTable(JOB_TABLES_TABLE)}
              WHERE schema_name = $2 AND table_name = $3 AND primary_key_deferred
              LIMIT 1) AS deferred`,
    [quoteTable(table), table.schema, table.table],
  );
  const { built, deferred } = rows[0] ?? { built: null, deferred: null };
  if (built !== null) return { columns: Object.freeze(built), deferred: false };
  if (deferred !== null) return { columns: Object.freeze([...deferred]), deferred: true };
  return undefined;
}
