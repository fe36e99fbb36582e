/**
 * The stream half of an extractor: source transactions are gathered into bounded batches, sent,
 * and only once the bus acknowledged them is the batch's last resume point checkpointed and then
 * acknowledged to the source (ARCHITECTURE §4). A crash between the send and the checkpoint makes
 * the restarted extractor resend; the loader skips resent events by their source position.
 */
import { formatTableRef, type SourcePosition } from '@database-replicator/core';
import type { SourceTable, SourceTransaction } from './change-source.js';
import { eventMessages, tableIdKey, tableTopic } from './event-builder.js';
import { isDurable } from './durability.js';
import type { ExtractorOptions } from './extractor-options.js';
import type { ExtractorMessage, ExtractorProducer } from './extractor-ports.js';

const DEFAULT_MAX_EVENTS = 5000;
const DEFAULT_FLUSH_MS = 200;

/** What a stream run did. */
export type ForwardResult = Readonly<{ events: number; position: SourcePosition }>;

/**
 * Streams from `checkpoint.stream` until the signal aborts or the source ends.
 *
 * @param save - Stores the stream checkpoint; called after the bus acknowledged the events.
 */
export async function forwardChanges(
  options: ExtractorOptions,
  tables: readonly SourceTable[],
  from: SourcePosition,
  save: (position: SourcePosition) => Promise<void>,
): Promise<ForwardResult> {
  const producer = await options.bus.producer();
  const batch = new StreamBatch(options, tables, from);
  const steps = options.source.streamChanges(from, options.signal)[Symbol.asyncIterator]();
  const flushMs = options.streamFlushMs ?? DEFAULT_FLUSH_MS;
  const maxEvents = options.maxStreamEvents ?? DEFAULT_MAX_EVENTS;
  const flush = async (): Promise<void> => {
    const position = await batch.send(producer);
    if (position === undefined) return;
    if (!(await isDurable(options))) return;
    await save(position);
    await options.source.acknowledge(position);
    batch.report();
  };
  try {
    let next = steps.next();
    for (;;) {
      const step = batch.isEmpty() ? await next : await withDeadline(next, flushMs);
      if (step === DEADLINE) {
        await flush();
        continue;
      }
      if (step.done === true) break;
      next = steps.next();
      batch.add(step.value);
      const heartbeat = step.value.events.length === 0 && step.value.resumeFrom !== null;
      if (heartbeat || batch.size() >= maxEvents) await flush();
    }
    await flush();
  } finally {
    await steps.return?.();
    await producer.close();
  }
  return { events: batch.sentEvents(), position: batch.checkpoint() };
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
  readonly #tables: ReadonlyMap<string, SourceTable>;
  #messages = new Map<string, ExtractorMessage[]>();
  #size = 0;
  #resumeFrom: SourcePosition | undefined;
  #checkpoint: SourcePosition;
  #sent = 0;
  #lastEventAt: number | undefined;

  constructor(options: ExtractorOptions, tables: readonly SourceTable[], from: SourcePosition) {
    this.#options = options;
    this.#tables = new Map(tables.map((table) => [tableIdKey(table.id), table]));
    this.#checkpoint = from;
  }

  add(step: SourceTransaction): void {
    for (const event of step.events) {
      const id = { schema: event.source.schema ?? event.source.db, table: event.source.table };
      const table = this.#tables.get(tableIdKey(id));
      // The publication (or binlog filter) selects tables; an event of another table is ignored.
      if (table === undefined) {
        this.#options.logger.debug({ table: formatTableRef(id) }, 'change of an unselected table');
        continue;
      }
      const topic = tableTopic(this.#options.topicPrefix, this.#options.source, table);
      const list = this.#messages.get(topic) ?? [];
      list.push(...eventMessages(event, table.keyColumns));
      this.#messages.set(topic, list);
      this.#size += 1;
      this.#lastEventAt = event.source.ts_ms;
    }
    if (step.resumeFrom !== null) this.#resumeFrom = step.resumeFrom;
  }

  isEmpty(): boolean {
    return this.#size === 0 && this.#resumeFrom === undefined;
  }

  size(): number {
    return this.#size;
  }

  /** Sends everything gathered. @returns The position to checkpoint, if the batch has one. */
  async send(producer: ExtractorProducer): Promise<SourcePosition | undefined> {
    for (const [topic, messages] of this.#messages) await producer.send(topic, messages);
    this.#sent += this.#size;
    const position = this.#resumeFrom;
    this.#messages = new Map();
    this.#size = 0;
    this.#resumeFrom = undefined;
    if (position !== undefined) this.#checkpoint = position;
    return position;
  }

  report(): void {
    this.#options.onProgress?.({
      phase: 'stream',
      events: this.#sent,
      position: this.#checkpoint,
      lastEventAt: this.#lastEventAt,
    });
  }

  sentEvents(): number {
    return this.#sent;
  }

  checkpoint(): SourcePosition {
    return this.#checkpoint;
  }
}
