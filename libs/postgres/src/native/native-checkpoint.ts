/**
 * The checkpoint of a native job: one JSON file, `<stateDir>/native/<job id>.json`, holding per
 * database the phase reached, the names of the objects created, the time-filter cutoffs, the
 * dump's location and the fingerprint of the filters. It holds no URL, host, user or password:
 * the servers are known by system identifier and database name only. Every write replaces the
 * whole file atomically (write a temporary file, fsync, rename), so a crash leaves either the
 * old or the new checkpoint, never a torn one.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { replicatorError } from '@database-replicator/core';
import { z } from 'zod';
import { NATIVE_CHECKPOINT_VERSION, NATIVE_STATE_SUBDIR } from './constants.js';
import { NATIVE_PHASES } from './native-phase.js';

const tableIdSchema = z.object({ schema: z.string(), table: z.string() }).strict();

const filteredFileSchema = z
  .object({
    table: tableIdSchema,
    /** Columns in file order (generated columns left out). */
    columns: z.array(z.string()),
    /** File of COPY text rows, relative to the state directory. */
    file: z.string(),
    rows: z.number().int().nonnegative(),
  })
  .strict();

const databaseStateSchema = z
  .object({
    sourceDatabase: z.string(),
    targetDatabase: z.string(),
    phase: z.enum(NATIVE_PHASES),
    fingerprint: z.string(),
    publication: z.string(),
    slot: z.string(),
    subscription: z.string(),
    /** Selected tables; the tables a clean restore drops on the target. */
    tables: z.array(tableIdSchema),
    /** Time-filter cutoffs per table (`"schema"."table"`), in plan order, as timestamptz text. */
    cutoffs: z.record(z.string(), z.array(z.string())),
    /** Dump attempts so far; each dump gets a fresh directory. */
    attempt: z.number().int().nonnegative(),
    /** This attempt's work directory, relative to the state directory. */
    workDir: z.string(),
    /** LSN at which the slot's snapshot was taken. */
    consistentPoint: z.string().nullable(),
    filtered: z.array(filteredFileSchema),
    dumpBytes: z.number().nonnegative(),
    /** Target tables may be replaced (--drop-existing, or they came from this job). */
    replaceExisting: z.boolean(),
    /** pg_restore ran at least once against the target for this attempt. */
    restoreStarted: z.boolean(),
    /** The source's roles were applied to the target, so owners and privileges are kept. */
    rolesApplied: z.boolean(),
    /** Continuous replication was set up (the subscription exists). */
    synced: z.boolean(),
    updatedAt: z.string(),
  })
  .strict();

const endpointSchema = z.object({ systemIdentifier: z.string(), database: z.string() }).strict();

const checkpointSchema = z
  .object({
    version: z.literal(NATIVE_CHECKPOINT_VERSION),
    jobId: z.string(),
    source: endpointSchema,
    target: endpointSchema,
    /** By source database name. */
    databases: z.record(z.string(), databaseStateSchema),
  })
  .strict();

/** The checkpoint of one job; see the module comment. */
export type NativeCheckpoint = Readonly<z.output<typeof checkpointSchema>>;

/** The checkpointed state of one database of a job. */
export type NativeDatabaseState = Readonly<z.output<typeof databaseStateSchema>>;

/** Path of the checkpoint of job `jobId` under `stateDir`. */
export function nativeCheckpointPath(stateDir: string, jobId: string): string {
  return join(stateDir, NATIVE_STATE_SUBDIR, `${jobId}.json`);
}

/**
 * Reads the checkpoint of job `jobId`; `undefined` when there is none.
 *
 * @throws ReplicatorError `REPL_NATIVE_CHECKPOINT_INVALID` when the file is not a valid
 *   checkpoint of this version and job.
 */
export async function readNativeCheckpoint(
  stateDir: string,
  jobId: string,
): Promise<NativeCheckpoint | undefined> {
  const path = nativeCheckpointPath(stateDir, jobId);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return undefined;
    throw invalid(path, 'cannot be read', error);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalid(path, 'is not JSON', error);
  }
  const result = checkpointSchema.safeParse(parsed);
  if (!result.success) throw invalid(path, 'is not a checkpoint of this version', result.error);
  if (result.data.jobId !== jobId) throw invalid(path, `belongs to job ${result.data.jobId}`);
  return result.data;
}

/** Writes `checkpoint` atomically (temporary file, fsync, rename). */
export async function writeNativeCheckpoint(
  stateDir: string,
  checkpoint: NativeCheckpoint,
): Promise<void> {
  const path = nativeCheckpointPath(stateDir, checkpoint.jobId);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(checkpoint, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
}

/** The checkpoint with the state of one database replaced. */
export function withDatabaseState(
  checkpoint: NativeCheckpoint,
  state: NativeDatabaseState,
): NativeCheckpoint {
  return Object.freeze({
    ...checkpoint,
    databases: Object.freeze({ ...checkpoint.databases, [state.sourceDatabase]: state }),
  });
}

function invalid(path: string, problem: string, cause?: unknown) {
  return replicatorError('REPL_NATIVE_CHECKPOINT_INVALID', `Checkpoint file ${path} ${problem}`, {
    details: { path },
    ...(cause === undefined ? {} : { cause }),
  });
}
