/** Phase changes outside the snapshot lease: streaming after the snapshot, or a failure. */
import { quoteTable, type TableId } from '@database-replicator/core';
import type pg from 'pg';
import { tableUnknown } from './job-errors.js';
import { JOB_TABLES_TABLE } from './job-schema.js';
import type { JobTablePhase } from './job-types.js';

/**
 * Sets the table's phase and its last error (`null` clears it). Leaving `snapshot` ends the
 * lease, so a worker still holding the table is refused its next save.
 *
 * @throws ReplicatorError `REPL_JOB_TABLE_UNKNOWN` when the job has no such table.
 */
export async function setTablePhase(
  client: pg.ClientBase,
  jobId: string,
  table: TableId,
  phase: JobTablePhase,
  error: string | null,
): Promise<void> {
  const { rowCount } = await client.query(
    `UPDATE ${quoteTable(JOB_TABLES_TABLE)}
        SET phase = $4, last_error = $5, updated_at = now(),
            lease_owner = CASE WHEN $4 = 'snapshot' THEN lease_owner END,
            lease_expires_at = CASE WHEN $4 = 'snapshot' THEN lease_expires_at END
      WHERE job_id = $1 AND schema_name = $2 AND table_name = $3`,
    [jobId, table.schema, table.table, phase, error],
  );
  if (rowCount !== 1) throw tableUnknown(jobId, table);
}

/** The job's tables whose phase is `failed`, in name order. */
export async function failedTables(
  client: pg.ClientBase,
  jobId: string,
): Promise<readonly TableId[]> {
  const { rows } = await client.query<{ schema_name: string; table_name: string }>(
    `SELECT schema_name, table_name FROM ${quoteTable(JOB_TABLES_TABLE)}
      WHERE job_id = $1 AND phase = 'failed' ORDER BY schema_name, table_name`,
    [jobId],
  );
  return rows.map((row) => Object.freeze({ schema: row.schema_name, table: row.table_name }));
}
