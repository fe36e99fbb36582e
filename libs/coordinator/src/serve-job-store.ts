/**
 * The coordinator's NATS side: answers job store calls on `<prefix>.<call>` (a queue group, so
 * several coordinators share the requests) and remembers the last heartbeat of each extractor.
 *
 * States: serving → closing (`close()` or the signal: subscriptions drain, calls in progress
 * finish and are answered) → closed (`done` resolves). If NATS ends a subscription with an error
 * (a permission violation), the server closes and `done` rejects with it.
 */
import type { Logger } from '@database-replicator/core';
import type { CoordinatorJobStore } from '@database-replicator/pipeline';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import {
  COORDINATOR_QUEUE,
  DEFAULT_HEARTBEAT_PREFIX,
  DEFAULT_SUBJECT_PREFIX,
  JOB_STORE_CALLS,
  callSubject,
  isJobStoreCall,
  type JobStoreCall,
} from './constants.js';
import { HeartbeatBoard, type ExtractorStatus } from './heartbeat-board.js';
import { heartbeatSchema } from './heartbeat.js';
import { jobStoreHandlers, type CallHandler } from './job-store-handlers.js';
import { messageInvalid, toWireError } from './wire-error.js';

/** Options of {@link serveJobStore}. */
export type ServeJobStoreOptions = Readonly<{
  /** Prefix of the request subjects. Default `dr.coordinator`. */
  subjectPrefix?: string;
  /** Prefix of the heartbeat subjects. Default `dr.heartbeat`. */
  heartbeatPrefix?: string;
  logger?: Logger;
  /** Aborting closes the server like `close()`. */
  signal?: AbortSignal;
}>;

/** A running coordinator endpoint; see {@link serveJobStore}. */
export type JobStoreServer = Readonly<{
  /** The last heartbeat of each extractor of `jobId` (of every job when omitted). */
  heartbeats(jobId?: string): readonly ExtractorStatus[];
  /** Settles once the server is closed; rejects if NATS ended a subscription with an error. */
  done: Promise<void>;
  /** Stops taking requests, answers those in progress, and resolves when closed. Idempotent. */
  close(): Promise<void>;
}>;

/**
 * Serves `store` over NATS until closed. Resolves once the subscriptions are registered with
 * the server, so requests sent afterwards reach it.
 */
export async function serveJobStore(
  nc: NatsConnection,
  store: CoordinatorJobStore,
  options: ServeJobStoreOptions = {},
): Promise<JobStoreServer> {
  const prefix = options.subjectPrefix ?? DEFAULT_SUBJECT_PREFIX;
  const log = options.logger?.child({ component: 'coordinator' });
  const board = new HeartbeatBoard();
  const handlers = handlersBySubject(prefix, jobStoreHandlers(store));
  const inFlight = new Set<Promise<void>>();

  const requests = nc.subscribe(`${prefix}.>`, {
    queue: COORDINATOR_QUEUE,
    callback: (error, msg) => {
      if (error !== null) return; // surfaces through `requests.closed`
      const answered = answer(msg, handlers, log).finally(() => inFlight.delete(answered));
      inFlight.add(answered);
    },
  });
  const heartbeats = nc.subscribe(`${options.heartbeatPrefix ?? DEFAULT_HEARTBEAT_PREFIX}.*.*`, {
    callback: (error, msg) => {
      if (error === null) recordHeartbeat(board, msg, log);
    },
  });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      options.signal?.removeEventListener('abort', onAbort);
      await Promise.allSettled([requests.drain(), heartbeats.drain()]);
      await Promise.allSettled([...inFlight]);
    })();
    return closing;
  };
  const onAbort = (): void => void close();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted === true) onAbort();

  const done = watch([requests, heartbeats], close);
  // `done` is also returned; this keeps an unobserved rejection from crashing the process.
  done.catch(() => undefined);
  await nc.flush();
  log?.info({ prefix }, 'coordinator serving job store');
  return Object.freeze({ heartbeats: (jobId?: string) => board.list(jobId), done, close });
}

function handlersBySubject(
  prefix: string,
  handlers: Readonly<Record<JobStoreCall, CallHandler>>,
): ReadonlyMap<string, CallHandler> {
  const bySubject = new Map<string, CallHandler>();
  for (const name of Object.keys(JOB_STORE_CALLS)) {
    if (isJobStoreCall(name)) bySubject.set(callSubject(prefix, name), handlers[name]);
  }
  return bySubject;
}

/** Runs one request and replies with its result or its error; never throws. */
async function answer(
  msg: Msg,
  handlers: ReadonlyMap<string, CallHandler>,
  log: Logger | undefined,
): Promise<void> {
  let reply: unknown;
  try {
    const handler = handlers.get(msg.subject);
    if (handler === undefined) throw messageInvalid(msg.subject, 'request', 'unknown call');
    reply = { result: await handler(parseJson(msg), msg.subject) };
  } catch (error) {
    const wire = toWireError(error);
    const level =
      wire.transient || wire.code === 'REPL_COORDINATOR_STORE_FAILED' ? 'warn' : 'debug';
    log?.[level]({ err: error, subject: msg.subject, code: wire.code }, 'job store call failed');
    reply = { error: wire };
  }
  // A request without a reply subject (a plain publish) has nobody to answer.
  if (msg.reply === undefined || msg.reply === '') return;
  try {
    msg.respond(JSON.stringify(reply));
  } catch (error) {
    // The connection closed under the call; the caller times out and retries.
    log?.warn({ err: error, subject: msg.subject }, 'job store reply not sent');
  }
}

function parseJson(msg: Msg): unknown {
  try {
    return JSON.parse(msg.string());
  } catch (error) {
    throw messageInvalid(msg.subject, 'request', error);
  }
}

function recordHeartbeat(board: HeartbeatBoard, msg: Msg, log: Logger | undefined): void {
  const tokens = msg.subject.split('.');
  const jobId = tokens.at(-2);
  const extractorId = tokens.at(-1);
  let parsed: ReturnType<typeof heartbeatSchema.safeParse> | undefined;
  try {
    parsed = heartbeatSchema.safeParse(JSON.parse(msg.string()));
  } catch {
    parsed = undefined;
  }
  if (jobId === undefined || extractorId === undefined || parsed?.success !== true) {
    // Progress only: a malformed heartbeat is dropped, never fatal.
    log?.warn({ subject: msg.subject }, 'malformed heartbeat dropped');
    return;
  }
  board.record(jobId, extractorId, Object.freeze(parsed.data), new Date());
}

/** Closes the server when a subscription ends on its own; rejects with a subscription's error. */
async function watch(subscriptions: readonly Subscription[], close: () => Promise<void>) {
  const ended = await Promise.race(subscriptions.map((sub) => sub.closed));
  await close();
  if (ended instanceof Error) throw ended;
}
