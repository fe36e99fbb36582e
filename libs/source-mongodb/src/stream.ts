/**
 * The change stream: one `watch` over the replicated collections, resumed after a checkpointed
 * token, with `fullDocument: 'updateLookup'` (change-event.ts has the caveat). Every event has
 * its own resume token, so every step can be checkpointed: a step is the events one `tryNext`
 * loop gathered (at most `maxBatchEvents`), positioned at the last one. When idle, the stream's
 * post-batch resume token moves on with the cluster, and a heartbeat carries it at most every
 * `heartbeatIntervalMs`, so a quiet job's checkpoint does not fall out of the oplog window.
 *
 * States: reading (tryNext waits up to maxAwaitTimeMS) → yield step or heartbeat → reading; any
 * state → (signal aborted: the stream is closed, the pending read ends) done.
 */
import type { ChangeStream, Document, MongoClient, Timestamp } from 'mongodb';
import type { ChangeEvent, MongoResumePosition, TableId } from '@database-replicator/core';
import type { SourceTransaction } from '@database-replicator/pipeline';
import { changeStreamEvent, type StreamOrigin } from './change-event.js';
import { streamFailure } from './history-lost.js';
import { streamPosition } from './position.js';
import { READ_OPTIONS } from './snapshot.js';

/** What the stream follows and how. */
export type MongoStreamContext = Readonly<{
  client: MongoClient;
  /** The one database to watch; `undefined`: watch the deployment (collections of several databases). */
  database: string | undefined;
  tables: readonly TableId[];
  origin: StreamOrigin;
  maxBatchEvents: number;
  heartbeatIntervalMs: number;
}>;

/** The longest a read waits for an event before the loop looks at the signal and heartbeats. */
const MAX_AWAIT_MS = 500;

/** Opens a change stream over `context.tables`, after `resumeAfter` when given. */
export function openChangeStream(
  context: Pick<MongoStreamContext, 'client' | 'database' | 'tables'>,
  resumeAfter: Document | undefined,
): ChangeStream {
  const pipeline = [
    {
      $match: {
        $or: context.tables.map((table) => ({ 'ns.db': table.schema, 'ns.coll': table.table })),
      },
    },
  ];
  const options = {
    ...READ_OPTIONS,
    fullDocument: 'updateLookup',
    maxAwaitTimeMS: MAX_AWAIT_MS,
    ...(resumeAfter === undefined ? {} : { resumeAfter }),
  } as const;
  return context.database === undefined
    ? context.client.watch(pipeline, options)
    : context.client.db(context.database).watch(pipeline, options);
}

/**
 * Streams changes after `resumeAfter` until `signal` aborts.
 *
 * @throws ReplicatorError `REPL_MONGO_HISTORY_LOST` when the resume point left the oplog (never
 *   retried), `REPL_MONGO_STREAM_INVALIDATED`, `REPL_MONGO_QUERY_FAILED`.
 */
export async function* streamMongoChanges(
  context: MongoStreamContext,
  resumeAfter: Document,
  signal: AbortSignal,
): AsyncGenerator<SourceTransaction> {
  const stream = openChangeStream(context, resumeAfter);
  const close = (): void => void stream.close().catch(() => undefined);
  signal.addEventListener('abort', close, { once: true });
  const names = context.tables.map((table) => `${table.schema}.${table.table}`);
  let lastYieldMs = Date.now();
  let clusterTime: Timestamp | undefined;
  try {
    while (!signal.aborted) {
      const events: ChangeEvent[] = [];
      let position: MongoResumePosition | undefined;
      while (events.length < context.maxBatchEvents) {
        const change = await stream.tryNext();
        if (change === null) break;
        clusterTime = change.clusterTime ?? clusterTime;
        position = streamPosition(change._id, change.clusterTime);
        const event = changeStreamEvent(change, context.origin, Date.now());
        if (event !== undefined) events.push(event);
      }
      const nowMs = Date.now();
      const idle = position === undefined;
      if (
        idle &&
        (nowMs - lastYieldMs < context.heartbeatIntervalMs || stream.resumeToken == null)
      ) {
        continue;
      }
      const resumeFrom = position ?? streamPosition(stream.resumeToken, clusterTime);
      lastYieldMs = nowMs;
      yield Object.freeze({ events: Object.freeze(events), resumeFrom });
    }
  } catch (error) {
    // Aborting closes the stream under a pending read, which then fails: that is the normal end.
    if (signal.aborted) return;
    throw streamFailure(error, names);
  } finally {
    signal.removeEventListener('abort', close);
    await stream.close();
  }
}
