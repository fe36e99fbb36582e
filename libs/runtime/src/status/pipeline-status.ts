/**
 * What `status` shows for a pipeline job (CLI `status`, coordinator `GET /jobs/:id/status`):
 * per table its phase, snapshot rows of the estimate, rate and ETA; per job its lag and dead
 * letters, each `null` where the reader has no way to know it (see docs/metrics.md).
 */
import type { SourceKind } from '@database-replicator/core';
import type { JobSummary, JobTableStatus, TablePhase } from '@database-replicator/pipeline';
import { etaSeconds, type RateTracker } from './rate-tracker.js';

/** One table of a pipeline job. */
export type PipelineTableStatus = Readonly<{
  schema: string;
  table: string;
  phase: TablePhase;
  /** Snapshot rows on the bus so far. */
  rowsCopied: number;
  /** The source's estimate, at least `rowsCopied`. */
  estimatedRows: number;
  /** Snapshot rows per second over the last minute of readings; `null` until two readings. */
  ratePerSecond: number | null;
  /** Seconds until the snapshot of the table is done at that rate; `null` when not copying. */
  etaSeconds: number | null;
  lastError: string | null;
  /** ISO 8601 in UTC. */
  updatedAt: string;
}>;

/** How far the target is behind the source; each figure `null` when unknown. */
export type PipelineLag = Readonly<{
  /** Source WAL not yet acknowledged by the job's slot (PostgreSQL sources). */
  bytes: number | null;
  /** Messages on the bus the loaders have not applied (a Kafka bus). */
  events: number | null;
  /** Seconds behind (PostgreSQL: the slot's walsender `replay_lag`; 0 without lag). */
  seconds: number | null;
}>;

/** One pipeline job. */
export type PipelineJobStatus = Readonly<{
  jobId: string;
  sourceKind: SourceKind | null;
  sourceName: string | null;
  /** ISO 8601 in UTC. */
  updatedAt: string;
  lag: PipelineLag;
  /** Messages in the job's dead-letter topic (a Kafka bus); `null` when unknown. */
  deadLetters: number | null;
  tables: readonly PipelineTableStatus[];
}>;

/** Lag and dead letters unknown. */
export const UNKNOWN_LAG: PipelineLag = Object.freeze({ bytes: null, events: null, seconds: null });

/** Inputs of {@link buildPipelineJobStatus}. */
export type PipelineJobFacts = Readonly<{
  job: JobSummary;
  tables: readonly JobTableStatus[];
  lag: PipelineLag;
  deadLetters: number | null;
  /** Readings of earlier calls give the rates. */
  rates: RateTracker;
  /** Time of the reading, epoch ms. */
  nowMs: number;
}>;

/** A job's status from its store rows and lag readings. */
export function buildPipelineJobStatus(facts: PipelineJobFacts): PipelineJobStatus {
  const { job, rates, nowMs } = facts;
  const tables = facts.tables.map((t): PipelineTableStatus => {
    const estimatedRows = Math.max(t.estimatedRows, t.rowsCopied);
    const rate = rates.record(`${job.jobId}\u0000${t.schema}\u0000${t.table}`, t.rowsCopied, nowMs);
    const copying = t.phase === 'snapshot' || t.phase === 'pending';
    return Object.freeze({
      schema: t.schema,
      table: t.table,
      phase: t.phase,
      rowsCopied: t.rowsCopied,
      estimatedRows,
      ratePerSecond: rate === null ? null : Math.round(rate),
      etaSeconds: copying ? etaSeconds(t.rowsCopied, estimatedRows, rate) : null,
      lastError: t.lastError,
      updatedAt: t.updatedAt,
    });
  });
  return Object.freeze({
    jobId: job.jobId,
    sourceKind: job.sourceKind,
    sourceName: job.sourceName,
    updatedAt: job.updatedAt,
    lag: facts.lag,
    deadLetters: facts.deadLetters,
    tables: Object.freeze(tables),
  });
}
