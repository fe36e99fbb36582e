/**
 * The stream messages of one topic gathered for the next send: one message per event (`rows`,
 * Debezium-compatible), or change chunks (`chunks`, core change-chunk.ts): the streamed inserts,
 * updates and deletes bound for one partition are gathered in that partition's open chunk, keyed
 * by its first event, so each event still lands in its key's partition in order. Anything else
 * (a schema change, a truncate, an event without a key) closes the open chunks before it is
 * added, so it keeps its place among the events of every partition.
 */
import {
  isChunkableEvent,
  serializeChangeChunk,
  serializeChunkEvent,
  type ChangeChunkSource,
  type ChangeEvent,
} from '@database-replicator/core';
import { eventMessages, keyedEvents } from './event-builder.js';
import type { ExtractorMessage } from './extractor-ports.js';

/** How streamed changes travel: one event per message, or many per message. */
export type ChangeEventMode = 'rows' | 'chunks';

/** What {@link StreamTopicMessages} needs to know about the topic. */
export type StreamTopicContext = Readonly<{
  mode: ChangeEventMode;
  partitions: number;
  partitionForKey: (key: string, partitions: number) => number;
}>;

// A chunk stays far below Kafka's default 1 MB message limit (before compression), and holds
// enough events that the per-message costs vanish.
const CHUNK_MAX_EVENTS = 1000;
const CHUNK_MAX_BYTES = 256 * 1024;

type OpenChunk = { key: string; source: ChangeChunkSource; events: string[]; bytes: number };

export class StreamTopicMessages {
  readonly #context: StreamTopicContext;
  readonly #keyColumns: readonly string[];
  #messages: ExtractorMessage[] = [];
  readonly #open = new Map<number, OpenChunk>();

  constructor(context: StreamTopicContext, keyColumns: readonly string[]) {
    this.#context = context;
    this.#keyColumns = keyColumns;
  }

  /** Adds a change event of the topic's table. */
  addEvent(event: ChangeEvent): void {
    if (this.#context.mode === 'rows' || !isChunkableEvent(event)) {
      this.addMessages(eventMessages(event, this.#keyColumns));
      return;
    }
    for (const keyed of keyedEvents(event, this.#keyColumns)) {
      if (keyed.key === null) this.addMessages(eventMessages(keyed.event, this.#keyColumns));
      else this.#chunk(keyed.key, keyed.event);
    }
  }

  /** Adds messages that travel alone, after every event added before them. */
  addMessages(messages: readonly ExtractorMessage[]): void {
    this.#closeAll();
    this.#messages.push(...messages);
  }

  /** Everything gathered, in order per partition; the topic starts empty again. */
  take(): ExtractorMessage[] {
    this.#closeAll();
    const messages = this.#messages;
    this.#messages = [];
    return messages;
  }

  #chunk(key: string, event: ChangeEvent): void {
    const { partitions, partitionForKey } = this.#context;
    const partition = partitions > 1 ? partitionForKey(key, partitions) : 0;
    const json = serializeChunkEvent(event);
    let chunk = this.#open.get(partition);
    if (chunk === undefined) {
      const { connector, name, db, schema, table } = event.source;
      chunk = { key, source: { connector, name, db, schema, table }, events: [], bytes: 0 };
      this.#open.set(partition, chunk);
    }
    chunk.events.push(json);
    chunk.bytes += json.length;
    if (chunk.events.length >= CHUNK_MAX_EVENTS || chunk.bytes >= CHUNK_MAX_BYTES) {
      this.#close(partition, chunk);
    }
  }

  #closeAll(): void {
    for (const [partition, chunk] of this.#open) this.#close(partition, chunk);
  }

  #close(partition: number, chunk: OpenChunk): void {
    this.#open.delete(partition);
    this.#messages.push({
      key: chunk.key,
      value: serializeChangeChunk(chunk.source, chunk.events),
    });
  }
}
