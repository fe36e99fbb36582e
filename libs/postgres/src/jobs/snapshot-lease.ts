/**
 * Handing snapshot tables to workers. A claim is one UPDATE of the row a `FOR UPDATE SKIP LOCKED`
 * sub-select picks, so concurrent claims (threads or processes) never pick the same row, and a
 * row another claim committed first fails the re-check under READ COMMITTED and is skipped too.
 * The pick is a scalar sub-select, run once: as a joined FROM item the planner may rescan it per
 * row and update several tables. A table
 * stays with its worker while the lease is live; each progress save renews it; after it expires
 * the next claim takes the table over with its progress, and the old worker's saves are refused.
 *
 * Table states: pending → snapshot (leased) → snapshot_done (indexes built). A worker that claims
 * again gets its own leased table back first, so a claim whose reply was lost is not orphaned.
 * Every claim after a table's first may resend pages already loaded, so it builds the table's
 * deferred primary key first (deferred-primary-key.ts): the resent rows then meet the key.
 */
import {
  changeKeySchema,
  formatTableRef,
  quoteTable,
  type ChangeKey,
  type JsonValue,
  type TableId,
} from '@database-replicator/core';
import type pg from 'pg';
import { buildDeferredPrimaryKey } from './deferred-primary-key.js';
import { inTransaction } from './job-database.js';
import { leaseLost, stateInvalid, tableUnknown } from './job-errors.js';
import { JOB_TABLES_TABLE } from './job-schema.js';
import type { JobSnapshotClaim, JobSnapshotProgress } from './job-types.js';
import { runIndexes } from './register-tables.js';

const TABLE = quoteTable(JOB_TABLES_TABLE);

type ClaimRow = {
  schema_name: string;
  table_name: string;
  key_columns: string[];
  rows_copied: string;
  snapshot_after_key: unknown;
  snapshot_claims: number;
  primary_key_deferred: boolean;
};

/** Leases the next claimable table of `jobId` to `worker`; `undefined` when none is left. */
export async function claimSnapshotTable(
  client: pg.ClientBase,
  jobId: string,
  worker: string,
  leaseMs: number,
): Promise<JobSnapshotClaim | undefined> {
  return inTransaction(client, async () => {
    const row = await claimRow(client, jobId, worker, leaseMs);
    if (row === undefined) return undefined;
    const table: TableId = Object.freeze({ schema: row.schema_name, table: row.table_name });
    if (row.snapshot_claims > 1 && row.primary_key_deferred) {
      await buildDeferredPrimaryKey(client, table);
    }
    const afterKey = row.snapshot_after_key === null ? null : keyInOrder(jobId, row);
    return Object.freeze({
      table,
      progress: Object.freeze({ afterKey, rows: Number(row.rows_copied), done: false }),
    });
  });
}

async function claimRow(
  client: pg.ClientBase,
  jobId: string,
  worker: string,
  leaseMs: number,
): Promise<ClaimRow | undefined> {
  const lease = Math.max(1, Math.round(leaseMs));
  const { rows } = await client.query<ClaimRow>(
    `UPDATE ${TABLE} t
        SET lease_owner = $2, lease_ms = $3::bigint,
            lease_expires_at = now() + $3::bigint * interval '1 millisecond',
            phase = 'snapshot', snapshot_claims = t.snapshot_claims + 1, updated_at = now()
      WHERE (t.job_id, t.schema_name, t.table_name) = (
              SELECT job_id, schema_name, table_name FROM ${TABLE}
               WHERE job_id = $1 AND phase IN ('pending', 'snapshot')
                 AND (lease_owner IS NULL OR lease_owner = $2 OR lease_expires_at <= now())
               ORDER BY lease_owner IS NOT DISTINCT FROM $2 DESC, schema_name, table_name
               LIMIT 1
                 FOR UPDATE SKIP LOCKED)
      RETURNING t.schema_name, t.table_name, t.key_columns, t.rows_copied::text,
                t.snapshot_after_key, t.snapshot_claims, t.primary_key_deferred`,
    [jobId, worker, lease],
  );
  return rows[0];
}

/**
 * Stores `progress` of a table `worker` holds and renews its lease; with `done`, builds the
 * table's indexes and marks it `snapshot_done` in the same transaction. Saving `done` again
 * after it succeeded is a no-op, so a retried save is harmless.
 *
 * @throws ReplicatorError `REPL_JOB_LEASE_LOST`, `REPL_JOB_TABLE_UNKNOWN`.
 */
export async function saveSnapshotProgress(
  client: pg.ClientBase,
  jobId: string,
  worker: string,
  table: TableId,
  progress: JobSnapshotProgress,
): Promise<void> {
  if (progress.done) {
    await inTransaction(client, () => finishSnapshot(client, jobId, worker, table, progress));
    return;
  }
  const { rowCount } = await client.query(
    `UPDATE ${TABLE}
        SET rows_copied = $5, snapshot_after_key = $6::jsonb,
            lease_expires_at = now() + lease_ms * interval '1 millisecond', updated_at = now()
      WHERE job_id = $1 AND schema_name = $2 AND table_name = $3
        AND lease_owner = $4 AND phase = 'snapshot'`,
    [jobId, table.schema, table.table, worker, progress.rows, afterKeyJson(progress)],
  );
  if (rowCount !== 1) throw await refusal(client, jobId, worker, table);
}

async function finishSnapshot(
  client: pg.ClientBase,
  jobId: string,
  worker: string,
  table: TableId,
  progress: JobSnapshotProgress,
): Promise<void> {
  const { rows } = await client.query<{ phase: string; owner: string | null; indexes: string[] }>(
    `SELECT phase, lease_owner AS owner, indexes FROM ${TABLE}
      WHERE job_id = $1 AND schema_name = $2 AND table_name = $3
        FOR UPDATE`,
    [jobId, table.schema, table.table],
  );
  const row = rows[0];
  if (row === undefined) throw tableUnknown(jobId, table);
  if (row.owner === worker && row.phase === 'snapshot_done') return;
  if (row.owner !== worker || row.phase !== 'snapshot') throw leaseLost(jobId, table, worker, row);
  await buildDeferredPrimaryKey(client, table);
  await runIndexes(client, jobId, { id: table, indexes: row.indexes });
  // The owner stays recorded (the lease ends with the expiry), which makes a repeated save a no-op.
  await client.query(
    `UPDATE ${TABLE}
        SET phase = 'snapshot_done', rows_copied = $4, snapshot_after_key = $5::jsonb,
            lease_expires_at = NULL, updated_at = now()
      WHERE job_id = $1 AND schema_name = $2 AND table_name = $3`,
    [jobId, table.schema, table.table, progress.rows, afterKeyJson(progress)],
  );
}

/** Why a progress save matched no row: the table is unknown, or no longer the worker's. */
async function refusal(client: pg.ClientBase, jobId: string, worker: string, table: TableId) {
  const { rows } = await client.query<{ phase: string; owner: string | null }>(
    `SELECT phase, lease_owner AS owner FROM ${TABLE}
      WHERE job_id = $1 AND schema_name = $2 AND table_name = $3`,
    [jobId, table.schema, table.table],
  );
  const row = rows[0];
  return row === undefined ? tableUnknown(jobId, table) : leaseLost(jobId, table, worker, row);
}

function afterKeyJson(progress: JobSnapshotProgress): string | null {
  return progress.afterKey === null ? null : JSON.stringify(progress.afterKey);
}

// jsonb orders object keys by length, then bytes; the key is rebuilt in key-column order, the
// order the source's keyset reads and the loader's messages use.
function keyInOrder(jobId: string, row: ClaimRow): ChangeKey {
  const parsed = changeKeySchema.safeParse(row.snapshot_after_key);
  if (!parsed.success) {
    throw stateInvalid(
      jobId,
      `the snapshot progress of ${formatTableRef({ schema: row.schema_name, table: row.table_name })}`,
      parsed.error,
    );
  }
  const ordered: Record<string, JsonValue> = {};
  for (const column of [...row.key_columns, ...Object.keys(parsed.data)]) {
    const value = parsed.data[column];
    if (value !== undefined && !Object.hasOwn(ordered, column)) ordered[column] = value;
  }
  return Object.freeze(ordered);
}
