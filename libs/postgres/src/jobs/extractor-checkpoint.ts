/**
 * Extractor checkpoints in `_replicator.extractor_checkpoints`: one row per job and extractor,
 * overwritten by each save. Rows are validated on read (positions by core's schema), so a row
 * written by another version or edited by hand fails loudly instead of resuming at a wrong place.
 * `sentUpTo` (the position of the last message sent per partition, read by verify) is optional:
 * rows written before it existed stay readable.
 */
import { parseSourcePosition, quoteTable, sourcePositionSchema } from '@database-replicator/core';
import type pg from 'pg';
import { z } from 'zod';
import { stateInvalid } from './job-errors.js';
import { EXTRACTOR_CHECKPOINTS_TABLE, JOBS_TABLE } from './job-schema.js';
import type { JobExtractorCheckpoint, JobSentPosition } from './job-types.js';

const sentPositionSchema = z
  .object({
    topic: z.string().min(1),
    partition: z.int().nonnegative(),
    position: sourcePositionSchema,
  })
  .strict();

const checkpointSchema = z
  .object({
    start: sourcePositionSchema,
    stream: sourcePositionSchema,
    snapshotDone: z.boolean(),
    sentUpTo: z.array(sentPositionSchema).optional(),
  })
  .strict();

/**
 * A stored checkpoint's JSON as a checkpoint, or `undefined` when it does not have the shape of
 * one (another version's, or edited by hand).
 */
export function parseStoredCheckpoint(value: unknown): JobExtractorCheckpoint | undefined {
  const parsed = checkpointSchema.safeParse(value);
  return parsed.success ? checkpointOf(parsed.data) : undefined;
}

function checkpointOf(data: z.output<typeof checkpointSchema>): JobExtractorCheckpoint {
  const sentUpTo = data.sentUpTo?.map((sent): JobSentPosition =>
    Object.freeze({
      topic: sent.topic,
      partition: sent.partition,
      position: parseSourcePosition(sent.position),
    }),
  );
  return Object.freeze({
    start: parseSourcePosition(data.start),
    stream: parseSourcePosition(data.stream),
    snapshotDone: data.snapshotDone,
    ...(sentUpTo === undefined ? {} : { sentUpTo: Object.freeze(sentUpTo) }),
  });
}

/** The stored checkpoint, or `undefined` if the extractor never saved one. */
export async function loadCheckpoint(
  client: pg.ClientBase,
  jobId: string,
  extractorId: string,
): Promise<JobExtractorCheckpoint | undefined> {
  const { rows } = await client.query<{ checkpoint: unknown }>(
    `SELECT checkpoint FROM ${quoteTable(EXTRACTOR_CHECKPOINTS_TABLE)}
      WHERE job_id = $1 AND extractor_id = $2`,
    [jobId, extractorId],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  const parsed = checkpointSchema.safeParse(row.checkpoint);
  if (!parsed.success) {
    throw stateInvalid(jobId, `the checkpoint of extractor ${extractorId}`, parsed.error);
  }
  return checkpointOf(parsed.data);
}

/** Stores `checkpoint`, replacing the previous one (and creating the job's row if missing). */
export async function saveCheckpoint(
  client: pg.ClientBase,
  jobId: string,
  extractorId: string,
  checkpoint: JobExtractorCheckpoint,
): Promise<void> {
  // Only the known fields are stored: nothing else an object carries reaches the table.
  const stored = {
    start: checkpoint.start,
    stream: checkpoint.stream,
    snapshotDone: checkpoint.snapshotDone,
    ...(checkpoint.sentUpTo === undefined
      ? {}
      : {
          sentUpTo: checkpoint.sentUpTo.map(({ topic, partition, position }) => ({
            topic,
            partition,
            position,
          })),
        }),
  };
  // The job's row is created in the same statement; its foreign key is checked at the end.
  await client.query(
    `WITH job AS (
       INSERT INTO ${quoteTable(JOBS_TABLE)} (job_id) VALUES ($1) ON CONFLICT (job_id) DO NOTHING
     )
     INSERT INTO ${quoteTable(EXTRACTOR_CHECKPOINTS_TABLE)} (job_id, extractor_id, checkpoint)
     VALUES ($1, $2, $3::jsonb)
     ON CONFLICT (job_id, extractor_id) DO UPDATE
       SET checkpoint = EXCLUDED.checkpoint, updated_at = now()`,
    [jobId, extractorId, JSON.stringify(stored)],
  );
}
