/**
 * The job store's errors. Driver errors become REPL_JOB_QUERY_FAILED with the driver error as
 * `cause`, so `isTransientError` still sees a lost connection or a deadlock and callers retry.
 */
import {
  formatTableRef,
  isReplicatorError,
  replicatorError,
  type ReplicatorError,
  type TableId,
} from '@database-replicator/core';
import { z } from 'zod';

/** Wraps a failure of `operation` (on job `jobId`, if any); ReplicatorErrors pass through unchanged. */
export function jobQueryFailed(
  operation: string,
  jobId: string | undefined,
  error: unknown,
): ReplicatorError {
  if (isReplicatorError(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  const what = jobId === undefined ? operation : `${operation} of job ${jobId}`;
  return replicatorError(
    'REPL_JOB_QUERY_FAILED',
    `${what} failed in the target's _replicator schema: ${reason}`,
    { details: { operation, ...(jobId === undefined ? {} : { jobId }) }, cause: error },
  );
}

/**
 * The target refused DDL a job runs on one of its tables (create it, index it, build its key).
 * `action` says what was done to the table, given its display name.
 */
export function targetDdlFailed(
  error: unknown,
  failure: Readonly<{
    action: (table: string) => string;
    table: TableId;
    jobId?: string;
    statement?: string;
    fix: string;
  }>,
): ReplicatorError {
  const name = formatTableRef(failure.table);
  const reason = error instanceof Error ? error.message : String(error);
  const forJob = failure.jobId === undefined ? '' : ` for job ${failure.jobId}`;
  const statement = failure.statement === undefined ? '' : `; statement: ${failure.statement}`;
  return replicatorError(
    'REPL_JOB_QUERY_FAILED',
    `${failure.action(name)}${forJob} failed: ${reason}${statement}`,
    {
      fix: failure.fix,
      details: { table: name, ...(failure.jobId === undefined ? {} : { jobId: failure.jobId }) },
      cause: error,
    },
  );
}

/** A snapshot worker saved progress for a table it no longer holds. */
export function leaseLost(
  jobId: string,
  table: TableId,
  worker: string,
  holder: Readonly<{ owner: string | null; phase: string }>,
): ReplicatorError {
  const name = formatTableRef(table);
  const now =
    holder.owner === null || holder.owner === worker
      ? `the table is in phase ${holder.phase}`
      : `worker ${holder.owner} holds it now`;
  return replicatorError(
    'REPL_JOB_LEASE_LOST',
    `snapshot worker ${worker} of job ${jobId} lost its lease on ${name}: ${now}`,
    { details: { jobId, table: name, worker, holder: holder.owner, phase: holder.phase } },
  );
}

/** A call named a table the job never registered. */
export function tableUnknown(jobId: string, table: TableId): ReplicatorError {
  const name = formatTableRef(table);
  return replicatorError(
    'REPL_JOB_TABLE_UNKNOWN',
    `table ${name} is not registered in job ${jobId}`,
    { details: { jobId, table: name } },
  );
}

/** A stored value (checkpoint, snapshot key) does not parse: written by another version or edited. */
export function stateInvalid(jobId: string, what: string, cause: unknown): ReplicatorError {
  const issue = cause instanceof z.ZodError ? cause.issues[0] : undefined;
  const reason =
    issue !== undefined
      ? `${issue.path.length === 0 ? 'value' : issue.path.join('.')}: ${issue.message}`
      : cause instanceof Error
        ? cause.message
        : String(cause);
  return replicatorError(
    'REPL_JOB_STATE_INVALID',
    `${what} stored for job ${jobId} in the target's _replicator schema is malformed: ${reason}`,
    { details: { jobId }, cause },
  );
}
