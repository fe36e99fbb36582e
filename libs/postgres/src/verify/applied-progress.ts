/**
 * How far a pipeline replicating an ordered change stream into the target has got, for verify's
 * re-check of mismatches while `sync` applies (libs/pipeline's ReplicationProgress, matched
 * structurally). Shared by the sources whose current position can be read on the source and
 * ordered against the positions the pipeline stores (MySQL/MariaDB binlog, SQLite changelog):
 * the caller reads the source position, and a wait polls the target until the exact rule of
 * applied-up-to.ts holds, reading the job's extractor checkpoints
 * (`_replicator.extractor_checkpoints`), the loader's stored positions of the partitions they
 * name (`_replicator.offsets`) and whether an embedded pipeline is connected, in one statement.
 *
 * Which job: the one named `jobId` when it has a checkpoint of the source's kind, else every
 * job whose checkpoint can be ordered against the source position (one source per target
 * database is the usual case; a stopped job of another source only counts once stale).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  parseSourcePosition,
  quoteTable,
  type Logger,
  type SourcePosition,
} from '@database-replicator/core';
import { z } from 'zod';
import { parseStoredCheckpoint } from '../jobs/extractor-checkpoint.js';
import { EXTRACTOR_CHECKPOINTS_TABLE } from '../jobs/job-schema.js';
import { OFFSETS_TABLE } from '../writer/replicator-schema.js';
import {
  AppliedUpTo,
  isAtOrAfter,
  partitionRef,
  type AppliedState,
  type ExtractorProgressState,
} from './applied-up-to.js';
import type { PostgresClientPool } from './client-pool.js';
import { verifyQueryFailed } from './verify-query-failed.js';

/** Source position and catch-up wait of a pipeline, positions as JSON text. */
export type AppliedProgress = Readonly<{
  /** The source's current position as JSON text of a SourcePosition. */
  sourcePosition(): Promise<string>;
  /** Polls until the target has applied everything up to `position`; false after `timeoutMs`. */
  waitUntilApplied(position: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
}>;

/** Options of {@link findAppliedProgress}. */
export type AppliedProgressOptions = Readonly<{
  /** The source's current position: every change committed before the call is at or below it. */
  readSourcePosition(): Promise<SourcePosition>;
  target: PostgresClientPool;
  /** The job replicating this source into the target, when the caller knows it. */
  jobId?: string | undefined;
  /**
   * `application_name` of an embedded pipeline's target session: while one is connected, a
   * checkpoint that is not written for a while belongs to a pipeline waiting for its loader,
   * not to a stopped one.
   */
  embeddedPipelineApplicationName?: string | undefined;
  logger?: Logger | undefined;
}>;

const POLL_INTERVAL_MS = 100;

const TABLES_SQL = 'SELECT to_regclass($1) IS NOT NULL AND to_regclass($2) IS NOT NULL AS found';

// One statement, so checkpoints, stored positions and sessions are read at one moment. Only the
// partitions the checkpoints name are read; a malformed `sentUpTo` counts as none.
const STATE_SQL = `
WITH cp AS (
  SELECT job_id, extractor_id, checkpoint,
         (extract(epoch FROM now() - updated_at) * 1000)::float8 AS age_ms
    FROM ${quoteTable(EXTRACTOR_CHECKPOINTS_TABLE)}
   WHERE checkpoint -> 'stream' ->> 'kind' = $1
), sent AS (
  SELECT DISTINCT s.topic, s.partition
    FROM cp, jsonb_to_recordset(CASE WHEN jsonb_typeof(cp.checkpoint -> 'sentUpTo') = 'array'
                                     THEN cp.checkpoint -> 'sentUpTo' ELSE '[]' END)
         AS s(topic text, partition int)
)
SELECT (SELECT coalesce(jsonb_agg(jsonb_build_object('jobId', job_id, 'extractorId', extractor_id,
                 'checkpoint', checkpoint, 'ageMs', age_ms)), '[]') FROM cp) AS checkpoints,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('topic', o.topic, 'partition', o.partition,
                 'position', o.source_position)), '[]')
          FROM ${quoteTable(OFFSETS_TABLE)} o
          JOIN sent ON o.topic = sent.topic AND o.partition = sent.partition
         WHERE o.source_position IS NOT NULL) AS offsets,
       EXISTS (SELECT 1 FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid()
                  AND application_name = $2) AS pipeline`;

const stateRowSchema = z.object({
  checkpoints: z.array(
    z.object({
      jobId: z.string(),
      extractorId: z.string(),
      checkpoint: z.unknown(),
      ageMs: z.number(),
    }),
  ),
  offsets: z.array(z.object({ topic: z.string(), partition: z.number(), position: z.unknown() })),
  pipeline: z.boolean(),
});

type StateReader = (reference: SourcePosition) => Promise<AppliedState>;

function comparable(a: SourcePosition, b: SourcePosition): boolean {
  return isAtOrAfter(a, b) || isAtOrAfter(b, a);
}

/** A stored position that no longer parses (another version's, edited by hand) is not used. */
function storedPosition(value: unknown): SourcePosition | undefined {
  try {
    return parseSourcePosition(value);
  } catch {
    return undefined;
  }
}

/** The highest stored position per partition, over consumer groups. */
function highestApplied(
  offsets: z.output<typeof stateRowSchema>['offsets'],
): Map<string, SourcePosition> {
  const applied = new Map<string, SourcePosition>();
  for (const row of offsets) {
    const position = storedPosition(row.position);
    if (position === undefined) continue;
    const ref = partitionRef(row.topic, row.partition);
    const known = applied.get(ref);
    if (known === undefined || isAtOrAfter(position, known)) applied.set(ref, position);
  }
  return applied;
}

/** The extractors whose checkpoints count for a wait on `reference` (module comment). */
function relevantExtractors(
  rows: z.output<typeof stateRowSchema>['checkpoints'],
  reference: SourcePosition,
  jobId: string | undefined,
): ExtractorProgressState[] {
  const found = rows.flatMap((row) => {
    const checkpoint = parseStoredCheckpoint(row.checkpoint);
    if (checkpoint === undefined || !comparable(checkpoint.stream, reference)) return [];
    const state: ExtractorProgressState = {
      id: `${row.jobId}\u0000${row.extractorId}`,
      stream: checkpoint.stream,
      sentUpTo: checkpoint.sentUpTo,
      ageMs: row.ageMs,
    };
    return [{ jobId: row.jobId, state }];
  });
  const own = found.filter((entry) => entry.jobId === jobId);
  return (own.length > 0 ? own : found).map((entry) => entry.state);
}

function createStateReader(options: AppliedProgressOptions, kind: string): StateReader {
  const { target } = options;
  const application = options.embeddedPipelineApplicationName ?? '';
  return async (reference) => {
    let row: unknown;
    try {
      row = (await target.query(STATE_SQL, [kind, application])).rows[0];
    } catch (error) {
      const what = 'read how far the pipeline has applied';
      throw verifyQueryFailed({ what, side: 'target', where: target.where }, error);
    }
    const parsed = stateRowSchema.parse(row);
    return {
      extractors: relevantExtractors(parsed.checkpoints, reference, options.jobId),
      applied: highestApplied(parsed.offsets),
      pipelineConnected: parsed.pipeline,
    };
  };
}

async function hasJobTables(target: PostgresClientPool): Promise<boolean> {
  try {
    const { rows } = await target.query<{ found: boolean }>(TABLES_SQL, [
      quoteTable(OFFSETS_TABLE),
      quoteTable(EXTRACTOR_CHECKPOINTS_TABLE),
    ]);
    return rows[0]?.found === true;
  } catch (error) {
    const what = 'look for the pipeline tables';
    throw verifyQueryFailed({ what, side: 'target', where: target.where }, error);
  }
}

/**
 * The progress of a pipeline that replicates this source into the target, or null when the
 * target has no extractor checkpoint of this source's stream (verify then reports mismatches
 * without re-checking).
 *
 * @throws ReplicatorError `REPL_VERIFY_QUERY_FAILED` when reading the target fails; what
 *   `readSourcePosition` throws.
 */
export async function findAppliedProgress(
  options: AppliedProgressOptions,
): Promise<AppliedProgress | null> {
  if (!(await hasJobTables(options.target))) return null;
  const now = await options.readSourcePosition();
  const readState = createStateReader(options, now.kind);
  if ((await readState(now)).extractors.length === 0) return null;
  options.logger?.info(
    { kind: now.kind },
    'a pipeline applies changes of this source; mismatches are re-checked once it has applied up to the source position',
  );
  // The highest position a wait has seen applied: waits for lower ones end at once.
  let appliedThrough: SourcePosition | undefined;
  return Object.freeze({
    async sourcePosition() {
      return JSON.stringify(await options.readSourcePosition());
    },
    async waitUntilApplied(position: string, timeoutMs: number, signal?: AbortSignal) {
      const parsed: unknown = JSON.parse(position);
      const wanted = parseSourcePosition(parsed);
      if (appliedThrough !== undefined && isAtOrAfter(appliedThrough, wanted)) return true;
      const rule = new AppliedUpTo(wanted);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (rule.check(await readState(wanted))) {
          if (appliedThrough === undefined || isAtOrAfter(wanted, appliedThrough)) {
            appliedThrough = wanted;
          }
          return true;
        }
        if (Date.now() >= deadline) return false;
        await sleep(POLL_INTERVAL_MS, undefined, signal === undefined ? {} : { signal });
      }
    },
  });
}
