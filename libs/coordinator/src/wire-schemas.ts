/**
 * The JSON of every coordinator request and reply, as zod schemas: both ends validate what they
 * read, so a message from another version fails with a coded error instead of corrupting state.
 */
import { changeKeySchema, SOURCE_KINDS, sourcePositionSchema } from '@database-replicator/core';
import { TABLE_PHASES } from '@database-replicator/pipeline';
import { z } from 'zod';

const id = z.string().min(1);

const tableIdSchema = z.object({ schema: id, table: id });

// Index DDL is run on the target as sent: only CREATE INDEX statements are accepted from the wire
// (the store also sends each as a single statement).
const indexStatement = z.string().regex(/^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s/i, {
  error: 'expected a CREATE [UNIQUE] INDEX statement',
});

const sourceTableSchema = z.object({
  id: tableIdSchema,
  keyColumns: z.array(id).min(1),
  columns: z.array(z.object({ name: id, type: id, nullable: z.boolean() })).min(1),
  indexes: z.array(indexStatement),
  // Any number: PostgreSQL reports -1 for a table never analysed; the store clamps it at 0.
  estimatedRows: z.number(),
  schemaOnly: z.boolean(),
});

const phaseSchema = z.enum(TABLE_PHASES);

const progressSchema = z.object({
  afterKey: changeKeySchema.nullable(),
  rows: z.int().nonnegative(),
  done: z.boolean(),
});

const checkpointSchema = z.object({
  start: sourcePositionSchema,
  stream: sourcePositionSchema,
  snapshotDone: z.boolean(),
  // Optional: an extractor or coordinator of an earlier version sends none.
  sentUpTo: z
    .array(
      z.object({ topic: id, partition: z.int().nonnegative(), position: sourcePositionSchema }),
    )
    .optional(),
});

/** Request payload of each call. */
export const REQUEST_SCHEMAS = Object.freeze({
  registerJob: z.object({
    jobId: id,
    source: z.object({ kind: z.enum(SOURCE_KINDS), name: id }),
  }),
  registerTables: z.object({ jobId: id, tables: z.array(sourceTableSchema) }),
  loadCheckpoint: z.object({ jobId: id, extractorId: id }),
  saveCheckpoint: z.object({ jobId: id, extractorId: id, checkpoint: checkpointSchema }),
  claimSnapshotTable: z.object({ jobId: id, worker: id, leaseMs: z.int().positive() }),
  saveSnapshotProgress: z.object({
    jobId: id,
    worker: id,
    table: tableIdSchema,
    progress: progressSchema,
  }),
  setTablePhase: z.object({
    jobId: id,
    table: tableIdSchema,
    phase: phaseSchema,
    error: z.string().optional(),
  }),
  failedTables: z.object({ jobId: id }),
  restartSnapshot: z.object({ jobId: id, tables: z.array(tableIdSchema) }),
  listJobs: z.object({}),
  listJobTables: z.object({ jobId: id }),
});

const timestamp = z.string().min(1);
const count = z.int().nonnegative();

const jobSummarySchema = z.object({
  jobId: id,
  sourceKind: z.enum(SOURCE_KINDS).nullable(),
  sourceName: z.string().nullable(),
  tables: z.object({
    pending: count,
    snapshot: count,
    snapshot_done: count,
    streaming: count,
    failed: count,
  }),
  rowsCopied: count,
  estimatedRows: count,
  updatedAt: timestamp,
});

const jobTableStatusSchema = z.object({
  schema: id,
  table: id,
  phase: phaseSchema,
  rowsCopied: count,
  estimatedRows: count,
  lastError: z.string().nullable(),
  updatedAt: timestamp,
});

/** Result payload of each call; `null` stands for `undefined` (and for void). */
export const RESULT_SCHEMAS = Object.freeze({
  registerJob: z.object({ incarnation: z.string().min(1) }),
  registerTables: z.null(),
  loadCheckpoint: checkpointSchema.nullable(),
  saveCheckpoint: z.null(),
  claimSnapshotTable: z.object({ table: tableIdSchema, progress: progressSchema }).nullable(),
  saveSnapshotProgress: z.null(),
  setTablePhase: z.null(),
  failedTables: z.array(tableIdSchema),
  restartSnapshot: z.null(),
  listJobs: z.array(jobSummarySchema),
  listJobTables: z.array(jobTableStatusSchema).nullable(),
});

/** An error as it travels back to the caller. */
export const wireErrorSchema = z.object({
  code: z.string().min(1),
  message: z.string(),
  fix: z.string().optional(),
  details: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
    .optional(),
  /** The store's failure may pass if retried (a lost database connection). */
  transient: z.boolean(),
});

/** A reply: the call's result, or the error it threw. */
export const replySchema = z.union([
  z.object({ result: z.unknown() }).strict(),
  z.object({ error: wireErrorSchema }).strict(),
]);

/** The JSON of an error reply. */
export type WireError = z.output<typeof wireErrorSchema>;
