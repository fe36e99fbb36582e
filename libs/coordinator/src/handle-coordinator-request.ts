/**
 * The coordinator's HTTP API, as a handler a host server calls first:
 *
 * - `GET /jobs` → `200 { jobs: [JobSummary & { extractors: ExtractorStatus[] }] }`
 * - `GET /jobs/<id>/tables` → `200 { jobId, tables: JobTableStatus[] }`, or `404` with
 *   `{ error: { code: 'REPL_JOB_NOT_FOUND', message, fix } }` for an unknown job
 * - another method on those paths → `405` with `Allow: GET, HEAD`
 * - a failure reading the status → `500` (`503` when the coordinator is unreachable) with the
 *   error's code, message and fix
 *
 * Every other path is left to the host (`/healthz`, `/metrics`): the handler returns `false`
 * without touching the response.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  isReplicatorError,
  replicatorError,
  type Logger,
  type ReplicatorError,
} from '@database-replicator/core';
import type { JobStatusReader } from '@database-replicator/pipeline';
import type { ExtractorStatus } from './heartbeat-board.js';
import { toWireError } from './wire-error.js';

/** Options of {@link handleCoordinatorRequest}. */
export type CoordinatorHttpOptions = Readonly<{
  /** The last heartbeats of a job's extractors (`JobStoreServer.heartbeats`); default none. */
  heartbeats?: (jobId: string) => readonly ExtractorStatus[];
  /** Receives an `error` line when reading the status fails (the client gets a 500). */
  logger?: Logger;
}>;

const TABLES_PATH = /^\/jobs\/([^/]+)\/tables\/?$/;

/**
 * Serves `req` if it is one of the coordinator's paths.
 *
 * @returns `true` when the response was sent, `false` when the path is not the coordinator's.
 */
export async function handleCoordinatorRequest(
  req: IncomingMessage,
  res: ServerResponse,
  reader: JobStatusReader,
  options: CoordinatorHttpOptions = {},
): Promise<boolean> {
  const path = new URL(req.url ?? '/', 'http://coordinator').pathname;
  const tables = TABLES_PATH.exec(path);
  if (path !== '/jobs' && path !== '/jobs/' && tables === null) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    const message = `${req.method ?? 'this method'} is not served on ${path}; use GET`;
    send(res, 405, { error: { message } }, { Allow: 'GET, HEAD' });
    return true;
  }
  try {
    if (tables === null) send(res, 200, { jobs: await jobsWithExtractors(reader, options) });
    else await sendJobTables(res, reader, tables[1] ?? '');
  } catch (error) {
    options.logger?.error({ err: error, path }, 'coordinator status request failed');
    const { code, message, fix, details } = toWireError(error);
    const status = isReplicatorError(error, 'REPL_COORDINATOR_UNAVAILABLE') ? 503 : 500;
    send(res, status, { error: { code, message, fix, details } });
  }
  return true;
}

async function jobsWithExtractors(reader: JobStatusReader, options: CoordinatorHttpOptions) {
  const jobs = await reader.listJobs();
  return jobs.map((job) => ({ ...job, extractors: options.heartbeats?.(job.jobId) ?? [] }));
}

async function sendJobTables(
  res: ServerResponse,
  reader: JobStatusReader,
  encodedId: string,
): Promise<void> {
  const jobId = decodePathSegment(encodedId);
  const tables = jobId === undefined ? undefined : await reader.listJobTables(jobId);
  if (tables === undefined) {
    send(res, 404, { error: notFound(jobId ?? encodedId).toJSON() });
    return;
  }
  send(res, 200, { jobId, tables });
}

function notFound(jobId: string): ReplicatorError {
  return replicatorError('REPL_JOB_NOT_FOUND', `job ${JSON.stringify(jobId)} does not exist`, {
    details: { jobId },
  });
}

function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined; // malformed percent-encoding names no job
  }
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(text);
}
