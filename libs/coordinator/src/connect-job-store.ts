/**
 * A job store that forwards every call to a coordinator over NATS request/reply: what an
 * extractor uses when the coordinator runs as its own service. Results and errors are those of
 * the coordinator's store; a coordinator that does not answer is REPL_COORDINATOR_UNAVAILABLE.
 * The NATS package is imported only to classify a failed request (its module is loaded by then,
 * since `nc` exists): importing this library must not load it (CLI start-up cost).
 */
import {
  isReplicatorError,
  isTransientError,
  parseSourcePosition,
  replicatorError,
} from '@database-replicator/core';
import type {
  CoordinatorJobStore,
  ExtractorCheckpoint,
  SnapshotClaim,
} from '@database-replicator/pipeline';
import type { NatsConnection } from '@nats-io/transport-node';
import type { z } from 'zod';
import {
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_SUBJECT_PREFIX,
  callSubject,
  type JobStoreCall,
} from './constants.js';
import { fromWireError, messageInvalid } from './wire-error.js';
import { RESULT_SCHEMAS, replySchema } from './wire-schemas.js';

/** Options of {@link connectJobStore}. */
export type ConnectJobStoreOptions = Readonly<{
  /** Prefix of the request subjects; the coordinator's. Default `dr.coordinator`. */
  subjectPrefix?: string;
  /** How long a call waits for the reply, milliseconds. Default 10000. */
  timeoutMs?: number;
}>;

/**
 * The coordinator's store as a `CoordinatorJobStore` (`JobStore`, `JobRegistrar`,
 * `JobStatusReader`). Holds no resources: closing `nc` is the caller's.
 *
 * Every call throws, besides the codes of the coordinator's store, ReplicatorError
 * `REPL_COORDINATOR_UNAVAILABLE` (no reply in time, no coordinator listening, connection closed,
 * or a transient failure of the coordinator's store: retry, see
 * {@link isRetryableJobStoreError}) and `REPL_COORDINATOR_MESSAGE_INVALID` (the reply does not
 * parse: versions differ).
 */
export function connectJobStore(
  nc: NatsConnection,
  options: ConnectJobStoreOptions = {},
): CoordinatorJobStore {
  const prefix = options.subjectPrefix ?? DEFAULT_SUBJECT_PREFIX;
  const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const call = async <S extends z.ZodType>(
    name: JobStoreCall,
    payload: object,
    schema: S,
  ): Promise<z.output<S>> => {
    const subject = callSubject(prefix, name);
    const result = await request(nc, subject, payload, timeoutMs);
    const parsed = schema.safeParse(result);
    if (!parsed.success) throw messageInvalid(subject, 'reply', parsed.error);
    return parsed.data;
  };

  const store: CoordinatorJobStore = {
    registerJob: async (jobId, source) =>
      (await call('registerJob', { jobId, source }, RESULT_SCHEMAS.registerJob)).incarnation,
    registerTables: async (jobId, tables) => {
      await call('registerTables', { jobId, tables }, RESULT_SCHEMAS.registerTables);
    },
    loadCheckpoint: async (jobId, extractorId) =>
      toCheckpoint(
        await call('loadCheckpoint', { jobId, extractorId }, RESULT_SCHEMAS.loadCheckpoint),
      ),
    saveCheckpoint: async (jobId, extractorId, checkpoint) => {
      await call(
        'saveCheckpoint',
        { jobId, extractorId, checkpoint },
        RESULT_SCHEMAS.saveCheckpoint,
      );
    },
    claimSnapshotTable: async (jobId, worker, leaseMs) =>
      toClaim(
        await call(
          'claimSnapshotTable',
          { jobId, worker, leaseMs },
          RESULT_SCHEMAS.claimSnapshotTable,
        ),
      ),
    saveSnapshotProgress: async (jobId, worker, table, progress) => {
      await call(
        'saveSnapshotProgress',
        { jobId, worker, table, progress },
        RESULT_SCHEMAS.saveSnapshotProgress,
      );
    },
    setTablePhase: async (jobId, table, phase, error) => {
      const payload = { jobId, table, phase, ...(error === undefined ? {} : { error }) };
      await call('setTablePhase', payload, RESULT_SCHEMAS.setTablePhase);
    },
    failedTables: async (jobId) =>
      Object.freeze(
        (await call('failedTables', { jobId }, RESULT_SCHEMAS.failedTables)).map((t) =>
          Object.freeze(t),
        ),
      ),
    restartSnapshot: async (jobId, tables) => {
      await call('restartSnapshot', { jobId, tables }, RESULT_SCHEMAS.restartSnapshot);
    },
    listJobs: async () =>
      Object.freeze((await call('listJobs', {}, RESULT_SCHEMAS.listJobs)).map(freezeSummary)),
    async listJobTables(jobId) {
      const tables = await call('listJobTables', { jobId }, RESULT_SCHEMAS.listJobTables);
      return tables === null ? undefined : Object.freeze(tables.map((t) => Object.freeze(t)));
    },
  };
  return Object.freeze(store);
}

/**
 * True if a job store call that failed with `error` may succeed when repeated: a transient
 * failure (`isTransientError`) or REPL_COORDINATOR_UNAVAILABLE. Pass it as `retry`'s
 * `isRetryable`; every job store call is safe to repeat.
 */
export function isRetryableJobStoreError(error: unknown): boolean {
  return isTransientError(error) || isReplicatorError(error, 'REPL_COORDINATOR_UNAVAILABLE');
}

/** Sends one request; @returns the reply's `result`, or throws its error. */
async function request(
  nc: NatsConnection,
  subject: string,
  payload: object,
  timeoutMs: number,
): Promise<unknown> {
  let text: string;
  try {
    text = (await nc.request(subject, JSON.stringify(payload), { timeout: timeoutMs })).string();
  } catch (error) {
    throw await unavailable(subject, timeoutMs, error);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw messageInvalid(subject, 'reply', error);
  }
  const reply = replySchema.safeParse(json);
  if (!reply.success) throw messageInvalid(subject, 'reply', reply.error);
  if ('error' in reply.data) throw fromWireError(subject, reply.data.error);
  return reply.data.result;
}

async function unavailable(subject: string, timeoutMs: number, error: unknown) {
  const { RequestError, TimeoutError } = await import('@nats-io/transport-node');
  const why =
    error instanceof TimeoutError
      ? `no reply within ${timeoutMs} ms`
      : error instanceof RequestError && error.isNoResponders()
        ? 'no coordinator listens on it'
        : `the request failed: ${error instanceof Error ? error.message : String(error)}`;
  return replicatorError('REPL_COORDINATOR_UNAVAILABLE', `coordinator call ${subject}: ${why}`, {
    details: { subject },
    cause: error,
  });
}

type WireCheckpoint = z.output<typeof RESULT_SCHEMAS.loadCheckpoint>;
type WireClaim = z.output<typeof RESULT_SCHEMAS.claimSnapshotTable>;

function toCheckpoint(checkpoint: WireCheckpoint): ExtractorCheckpoint | undefined {
  if (checkpoint === null) return undefined;
  const sentUpTo = checkpoint.sentUpTo?.map((sent) =>
    Object.freeze({ ...sent, position: parseSourcePosition(sent.position) }),
  );
  return Object.freeze({
    start: parseSourcePosition(checkpoint.start),
    stream: parseSourcePosition(checkpoint.stream),
    snapshotDone: checkpoint.snapshotDone,
    ...(sentUpTo === undefined ? {} : { sentUpTo: Object.freeze(sentUpTo) }),
  });
}

function toClaim(claim: WireClaim): SnapshotClaim | undefined {
  if (claim === null) return undefined;
  const { afterKey } = claim.progress;
  return Object.freeze({
    table: Object.freeze(claim.table),
    progress: Object.freeze({
      ...claim.progress,
      afterKey: afterKey === null ? null : Object.freeze(afterKey),
    }),
  });
}

function freezeSummary<T extends { tables: object }>(summary: T): T {
  return Object.freeze({ ...summary, tables: Object.freeze(summary.tables) });
}
