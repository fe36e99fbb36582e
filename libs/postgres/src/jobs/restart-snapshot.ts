/**
 * Starting a table's snapshot over after its source history was lost: the rows the target holds
 * may include some the source deleted meanwhile, which no new event will ever remove, so the
 * table is emptied and copied again from the start.
 */
import { quoteTable, type TableId } from '@database-replicator/core';
import type pg from 'pg';
import { inTransaction } from './job-database.js';
import { tableUnknown } from './job-errors.js';
import { JOB_TABLES_TABLE } from './job-schema.js';

/**
 * Truncates the target tables of `tables` and resets their snapshot (phase `pending`, no rows,
 * no resume key, no lease), all in one transaction.
 *
 * @throws ReplicatorError `REPL_JOB_TABLE_UNKNOWN` when the job has no such table.
 */
export async function restartSnapshot(
  client: pg.ClientBase,
  jobId: string,
  tables: readonly TableId[],
): Promise<void> {
  if (tables.length === 0) return;
  await inTransaction(client, async () => {
    for (const table of tables) {
      const { rowCount } = await client.query(
        `UPDATE ${quoteTable(JOB_TABLES_TABLE)}
            SET phase = 'pending', rows_copied = 0, snapshot_after_key = NULL, last_error = NULL,
                lease_owner = NULL, lease_expires_at = NULL, snapshot_claims = 0, updated_at = now()
          WHERE job_id = $1 AND schema_name = $2 AND table_name = $3`,
        [jobId, table.schema, table.table],
      );
      if (rowCount !== 1) throw tableUnknown(jobId, table);
    }
    await client.query(`TRUNCATE ${tables.map((table) => quoteTable(table)).join(', ')}`);
  });
}
