/** Status views over the job state: one summary per job, and a job's tables. */
import { SOURCE_KINDS, quoteTable, type SourceKind } from '@database-replicator/core';
import type pg from 'pg';
import { JOB_TABLES_TABLE, JOBS_TABLE } from './job-schema.js';
import {
  JOB_TABLE_PHASES,
  type JobSummaryRow,
  type JobTablePhase,
  type JobTableStatusRow,
} from './job-types.js';

// ISO 8601 in UTC whatever the session's TimeZone, as text so no type parser is involved.
const ISO_UTC = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

type SummaryRow = {
  job_id: string;
  source_kind: string | null;
  source_name: string | null;
  phases: Record<string, number> | null;
  rows_copied: string;
  estimated_rows: string;
  updated_at: string;
};

type TableRow = {
  schema_name: string;
  table_name: string;
  phase: string;
  rows_copied: string;
  estimated_rows: string;
  last_error: string | null;
  updated_at: string;
};

/** Every job with its tables counted by phase, ordered by id. */
export async function listJobs(client: pg.ClientBase): Promise<readonly JobSummaryRow[]> {
  const { rows } = await client.query<SummaryRow>(
    `SELECT j.job_id, j.source_kind, j.source_name,
            (SELECT json_object_agg(p.phase, p.count)
               FROM (SELECT phase, count(*) AS count FROM ${quoteTable(JOB_TABLES_TABLE)} t
                      WHERE t.job_id = j.job_id GROUP BY phase) p) AS phases,
            coalesce(sum(t.rows_copied), 0)::text AS rows_copied,
            coalesce(sum(t.estimated_rows), 0)::text AS estimated_rows,
            to_char(greatest(j.updated_at, max(t.updated_at)) AT TIME ZONE 'UTC', ${ISO_UTC})
              AS updated_at
       FROM ${quoteTable(JOBS_TABLE)} j
       LEFT JOIN ${quoteTable(JOB_TABLES_TABLE)} t USING (job_id)
      GROUP BY j.job_id
      ORDER BY j.job_id`,
  );
  return Object.freeze(rows.map(toSummary));
}

/** The tables of `jobId` by schema and table; `undefined` if there is no such job. */
export async function listJobTables(
  client: pg.ClientBase,
  jobId: string,
): Promise<readonly JobTableStatusRow[] | undefined> {
  const job = await client.query(`SELECT 1 FROM ${quoteTable(JOBS_TABLE)} WHERE job_id = $1`, [
    jobId,
  ]);
  if (job.rowCount !== 1) return undefined;
  const { rows } = await client.query<TableRow>(
    `SELECT schema_name, table_name, phase, rows_copied::text, estimated_rows::text, last_error,
            to_char(updated_at AT TIME ZONE 'UTC', ${ISO_UTC}) AS updated_at
       FROM ${quoteTable(JOB_TABLES_TABLE)} WHERE job_id = $1
      ORDER BY schema_name, table_name`,
    [jobId],
  );
  return Object.freeze(rows.map(toTableStatus));
}

function toSummary(row: SummaryRow): JobSummaryRow {
  const count = (phase: JobTablePhase): number => Number(row.phases?.[phase] ?? 0);
  return Object.freeze({
    jobId: row.job_id,
    sourceKind: sourceKindOf(row.source_kind),
    sourceName: row.source_name,
    tables: Object.freeze({
      pending: count('pending'),
      snapshot: count('snapshot'),
      snapshot_done: count('snapshot_done'),
      streaming: count('streaming'),
      failed: count('failed'),
    }),
    rowsCopied: Number(row.rows_copied),
    estimatedRows: Number(row.estimated_rows),
    updatedAt: row.updated_at,
  });
}

function toTableStatus(row: TableRow): JobTableStatusRow {
  return Object.freeze({
    schema: row.schema_name,
    table: row.table_name,
    phase: phaseOf(row.phase),
    rowsCopied: Number(row.rows_copied),
    estimatedRows: Number(row.estimated_rows),
    lastError: row.last_error,
    updatedAt: row.updated_at,
  });
}

// The CHECK constraints admit only these values; the lookups narrow the text without a cast.
function sourceKindOf(text: string | null): SourceKind | null {
  return SOURCE_KINDS.find((kind) => kind === text) ?? null;
}

function phaseOf(text: string): JobTablePhase {
  return JOB_TABLE_PHASES.find((phase) => phase === text) ?? 'failed';
}
