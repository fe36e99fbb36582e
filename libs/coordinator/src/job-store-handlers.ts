/**
 * One handler per job store call: validate the request JSON, call the store, return the result
 * as JSON (`null` for `undefined` and void).
 */
import type { CoordinatorJobStore } from '@database-replicator/pipeline';
import type { z } from 'zod';
import type { JobStoreCall } from './constants.js';
import { messageInvalid } from './wire-error.js';
import { REQUEST_SCHEMAS } from './wire-schemas.js';

/** Runs one call from its request JSON; @returns the result JSON. */
export type CallHandler = (payload: unknown, subject: string) => Promise<unknown>;

/** The handler of every call over `store`. */
export function jobStoreHandlers(
  store: CoordinatorJobStore,
): Readonly<Record<JobStoreCall, CallHandler>> {
  const s = REQUEST_SCHEMAS;
  return Object.freeze({
    registerJob: async (payload, subject) => {
      const r = parseRequest(s.registerJob, payload, subject);
      return { incarnation: await store.registerJob(r.jobId, r.source) };
    },
    registerTables: async (payload, subject) => {
      const r = parseRequest(s.registerTables, payload, subject);
      await store.registerTables(r.jobId, r.tables);
      return null;
    },
    loadCheckpoint: async (payload, subject) => {
      const r = parseRequest(s.loadCheckpoint, payload, subject);
      return (await store.loadCheckpoint(r.jobId, r.extractorId)) ?? null;
    },
    saveCheckpoint: async (payload, subject) => {
      const r = parseRequest(s.saveCheckpoint, payload, subject);
      await store.saveCheckpoint(r.jobId, r.extractorId, r.checkpoint);
      return null;
    },
    claimSnapshotTable: async (payload, subject) => {
      const r = parseRequest(s.claimSnapshotTable, payload, subject);
      return (await store.claimSnapshotTable(r.jobId, r.worker, r.leaseMs)) ?? null;
    },
    saveSnapshotProgress: async (payload, subject) => {
      const r = parseRequest(s.saveSnapshotProgress, payload, subject);
      await store.saveSnapshotProgress(r.jobId, r.worker, r.table, r.progress);
      return null;
    },
    setTablePhase: async (payload, subject) => {
      const r = parseRequest(s.setTablePhase, payload, subject);
      await store.setTablePhase(r.jobId, r.table, r.phase, r.error);
      return null;
    },
    failedTables: async (payload, subject) => {
      const r = parseRequest(s.failedTables, payload, subject);
      return store.failedTables(r.jobId);
    },
    restartSnapshot: async (payload, subject) => {
      const r = parseRequest(s.restartSnapshot, payload, subject);
      await store.restartSnapshot(r.jobId, r.tables);
      return null;
    },
    listJobs: async (payload, subject) => {
      parseRequest(s.listJobs, payload, subject);
      return store.listJobs();
    },
    listJobTables: async (payload, subject) => {
      const r = parseRequest(s.listJobTables, payload, subject);
      return (await store.listJobTables(r.jobId)) ?? null;
    },
  });
}

/**
 * `payload` parsed by `schema`.
 *
 * @throws ReplicatorError `REPL_COORDINATOR_MESSAGE_INVALID` naming the subject and field.
 */
export function parseRequest<S extends z.ZodType>(
  schema: S,
  payload: unknown,
  subject: string,
): z.output<S> {
  const parsed = schema.safeParse(payload);
  if (parsed.success) return parsed.data;
  throw messageInvalid(subject, 'request', parsed.error);
}
