/**
 * The stream half of an extractor: source transactions are gathered into bounded batches, sent,
 * and only once the bus acknowledged them (and `beforeCheckpoint` says they are durable) is the
 * batch's last resume point checkpointed and then acknowledged to the source (ARCHITECTURE §4).
 * Checkpoints run behind the sender, one at a time (stream-checkpoints.ts), so reading and
 * sending the next batch overlaps with the loader applying the last one. A crash between the
 * send and the checkpoint makes the restarted extractor resend; the loader skips resent events
 * by their source position. Each checkpoint also records, per partition that ever received a
 * change, the position of the last message sent there (`sentUpTo`, carried over from the stored
 * checkpoint): verify knows from it exactly when the target has applied everything before the
 * checkpoint (docs/verify.md, "While changes stream").
 *
 * Schema changes (`s` events) go to every partition of their table's topic, after the batch
 * before them was sent and its checkpoint settled (so an in-process bus, whose
 * `beforeCheckpoint` waits for the loader, has applied every row before a change when the change
 * arrives); `stop_table` ones stop their table (schema-change-events.ts).
 */
import { formatTableRef, type ChangeEvent, type SourcePosition } from '@database-replicator/core';
import type { SentPosition } from '../job/job-store.js';
import type { SourceTable, SourceTransaction } from './change-source.js';
import { schemaChangeMessages, tableTopic } from './event-builder.js';
import type { ExtractorOptions } from './extractor-options.js';
import type { ExtractorProducer } from './extractor-ports.js';
import {
  createdTable,
  hasSchemaChange,
  recordStoppedTables,
  registerCreatedTables,
  stoppedBy,
  type StoppedTable,
} from './schema-change-events.js';
import { StreamCheckpoints, type SentUpTo } from './stream-checkpoints.js';
import { StreamTopicMessages } from './stream-topic-messages.js';

const DEFAULT_MAX_EVENTS = 5000;
const DEFAULT_FLUSH_MS = 200;

/** What a stream run did. */
export type ForwardResult = Readonly<{ events: number; position: SourcePosition }>;

/** Where a stream run starts: the stored checkpoint's resume point and what it had sent. */
export type StreamStart = Readonly<{
  stream: SourcePosition;
  /** Carried into every checkpoint of the run, partitions sent to again moving on. */
  sentUpTo?: readonly SentPosition[] | undefined;
}>;

/**
 * Streams from `from.stream` until the signal aborts or the source ends.
 *
 * @param save - Stores the stream checkpoint (resume point, and the position of the last message
 *   sent to each partition); called after the bus acknowledged the events.
 */
export async function forwardChanges(
  options: ExtractorOptions,
  tables: readonly SourceTable[],
  from: StreamStart,
  save: (position: SourcePosition, sentUpTo: readonly SentPosition[]) => Promise<void>,
): Promise<ForwardResult> {
  const producer = await options.bus.producer();
  const batch = new StreamBatch(options, tables, from.sentUpTo ?? []);
  const checkpoints = new StreamCheckpoints(options, from.stream, save);
  const steps = options.source.streamChanges(from.stream, options.signal)[Symbol.asyncIterator]();
  const flushMs = options.streamFlushMs ?? DEFAULT_FLUSH_MS;
  const maxEvents = options.maxStreamEvents ?? DEFAULT_MAX_EVENTS;
  const flush = async (): Promise<void> => {
    const sent = await batch.send(producer);
    if (sent !== undefined) await checkpoints.start(sent);
  };
  try {
    let next = steps.next();
    // When the gathered batch goes out at the latest: `flushMs` after its first step, however
    // many follow (a source yielding a step every poll would otherwise hold it until maxEvents).
    let flushAt = 0;
    for (;;) {
      const step = batch.isEmpty() ? await next : await withDeadline(next, flushAt - Date.now());
      if (step === DEADLINE) {
        await flush();
        continue;
      }
      if (step.done === true) break;
      next = steps.next();
      if (hasSchemaChange(step.value)) {
        // Even with nothing gathered, the batch sent last may still be becoming durable.
        if (!batch.isEmpty()) await flush();
        await checkpoints.settle();
      }
      if (batch.isEmpty()) flushAt = Date.now() + flushMs;
      batch.add(step.value);
      const heartbeat = step.value.events.length === 0 && step.value.resumeFrom !== null;
      if (heartbeat || batch.size() >= maxEvents) await flush();
    }
    await flush();
    await checkpoints.settle();
  } finally {
    // After a failure the checkpoint in flight still finishes (or fails) before the source closes.
    await checkpoints.settle().catch(() => undefined);
    await steps.return?.();
    await producer.close();
  }
  return { events: batch.sentEvents(), position: checkpoints.saved };
}

/** A table as events name it, as a map key (cheaper than quoting: this runs per event). */
function eventTableKey(schema: string, table: string): string {
  return `${schema}\u0000${table}`;
}

/** Identifies a partition of a topic in maps. */
function partitionId(sent: SentPosition): string {
  return `${sent.topic}\u0000${sent.partition}`;
}

const DEADLINE = Symbol('deadline');

async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T | typeof DEADLINE> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof DEADLINE>((resolve) => {
    timer = setTimeout(() => resolve(DEADLINE), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Messages gathered per topic, in order, with the last checkpointable position among them. */
class StreamBatch {
  readonly #options: ExtractorOptions;
  /** Selected tables by {@link eventTableKey}, with their topics (computed once: this runs per event). */
  readonly #tables: Map<string, { table: SourceTable; topic: string }>;
  /** Tables stopped by DDL since the last send. */
  #stopped: StoppedTable[] = [];
  /** Tables created while streaming since the last send: registered before it. */
  #created: SourceTable[] = [];
  /** Messages gathered per topic since the last send, in the order topics were first met. */
  #messages = new Map<string, StreamTopicMessages>();
  #size = 0;
  #resumeFrom: SourcePosition | undefined;
  #sent = 0;
  #lastEventAt: number | undefined;
  /** The last message sent per `topic` U+0000 `partition`, cumulative (the checkpoint's `sentUpTo`). */
  readonly #sentUpTo: Map<string, SentPosition>;

  constructor(
    options: ExtractorOptions,
    tables: readonly SourceTable[],
    sentBefore: readonly SentPosition[],
  ) {
    this.#options = options;
    this.#sentUpTo = new Map(sentBefore.map((sent) => [partitionId(sent), sent]));
    this.#tables = new Map(
      tables.map((table) => [
        eventTableKey(table.id.schema, table.id.table),
        { table, topic: tableTopic(options.topicPrefix, options.source, table) },
      ]),
    );
  }

  add(step: SourceTransaction): void {
    for (const event of step.events) {
      const id = { schema: event.source.schema ?? event.source.db, table: event.source.table };
      const selected = this.#tables.get(eventTableKey(id.schema, id.table)) ?? this.#create(event);
      // The publication (or binlog filter) selects tables; an event of another table is ignored.
      if (selected === undefined) {
        this.#options.logger.debug({ table: formatTableRef(id) }, 'change of an unselected table');
        continue;
      }
      const { table, topic } = selected;
      const stopped = event.op === 's' ? stoppedBy(table.id, event) : undefined;
      if (stopped !== undefined) {
        this.#tables.delete(eventTableKey(id.schema, id.table));
        this.#stopped.push(stopped);
        continue;
      }
      const messages = this.#topicMessages(topic, table);
      if (event.op === 's') {
        const { partitions, partitionForKey } = this.#options;
        const copies = schemaChangeMessages(event, partitions, partitionForKey);
        messages.addMessages(copies, event.source.position);
      } else {
        messages.addEvent(event);
      }
      this.#size += 1;
      this.#lastEventAt = event.source.ts_ms;
    }
    if (step.resumeFrom !== null) this.#resumeFrom = step.resumeFrom;
  }

  #topicMessages(topic: string, table: SourceTable): StreamTopicMessages {
    let messages = this.#messages.get(topic);
    if (messages === undefined) {
      const { partitions, partitionForKey } = this.#options;
      const mode = this.#options.changeEvents ?? 'rows';
      messages = new StreamTopicMessages({ mode, partitions, partitionForKey }, table.keyColumns);
      this.#messages.set(topic, messages);
    }
    return messages;
  }

  isEmpty(): boolean {
    return this.#size === 0 && this.#resumeFrom === undefined && this.#stopped.length === 0;
  }

  /** Selects the table a `create_table` change creates (the source selected it). */
  #create(event: ChangeEvent): { table: SourceTable; topic: string } | undefined {
    const table = createdTable(event);
    if (table === undefined) return undefined;
    const selected = {
      table,
      topic: tableTopic(this.#options.topicPrefix, this.#options.source, table),
    };
    this.#tables.set(eventTableKey(table.id.schema, table.id.table), selected);
    this.#created.push(table);
    return selected;
  }

  size(): number {
    return this.#size;
  }

  /** Sends everything gathered. @returns What to checkpoint, if the batch has a position. */
  async send(producer: ExtractorProducer): Promise<SentUpTo | undefined> {
    // The target table and the topic exist before the first event of the table is sent.
    await registerCreatedTables(this.#options, this.#created);
    this.#created = [];
    const batches = [...this.#messages].map(([topic, gathered]) => {
      const { messages, lastSent } = gathered.take();
      for (const [partition, position] of lastSent) {
        const sent: SentPosition = Object.freeze({ topic, partition, position });
        this.#sentUpTo.set(partitionId(sent), sent);
      }
      return { topic, messages };
    });
    // One request for the whole flush: per topic, each send would wait for its own ack.
    if (producer.sendTopics !== undefined) await producer.sendTopics(batches);
    else for (const { topic, messages } of batches) await producer.send(topic, messages);
    // Before the checkpoint passes the statement: after a crash the resend records it again.
    await recordStoppedTables(this.#options, this.#stopped);
    this.#stopped = [];
    this.#sent += this.#size;
    const position = this.#resumeFrom;
    this.#messages = new Map();
    this.#size = 0;
    this.#resumeFrom = undefined;
    if (position === undefined) return undefined;
    const partitions = Object.freeze([...this.#sentUpTo.values()]);
    return { position, partitions, events: this.#sent, lastEventAt: this.#lastEventAt };
  }

  sentEvents(): number {
    return this.#sent;
  }
}
