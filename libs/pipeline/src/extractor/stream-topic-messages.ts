/**
 * The stream messages of one topic gathered for the next send: one message per event (`rows`,
 * Debezium-compatible), or change chunks (core change-chunk.ts): the streamed inserts, updates
 * and deletes bound for one partition are gathered in that partition's open chunk, keyed by its
 * first event, so each event still lands in its key's partition in order. Anything else (a schema
 * change, a truncate, an event without a key) closes the open chunks before it is added, so it
 * keeps its place among the events of every partition. `chunks` serialises each event as it comes
 * (a bus that leaves the process needs the text, and bounds chunks by its exact length);
 * `local-chunks` keeps the event objects (core `LocalChangeChunk`) for an in-process bus, which
 * hands them to the loader as they are.
 *
 * Each message keeps the source position of the last event it carries, so that a send can tell
 * the position of the last message of each partition (the checkpoint's `sentUpTo`).
 */
import {
  LocalChangeChunk,
  isChunkableEvent,
  serializeChangeChunk,
  serializeChunkEvent,
  type ChangeChunkSource,
  type ChangeEvent,
  type SourcePosition,
} from '@database-replicator/core';
import { eventMessages, keyedEvents } from './event-builder.js';
import type { ExtractorMessage } from './extractor-ports.js';

/** How streamed changes travel: one event per message, or many per message (as text or objects). */
export type ChangeEventMode = 'rows' | 'chunks' | 'local-chunks';

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

/** A chunk being filled, from its first event: its key, and the position of its last event. */
type OpenChunk = {
  readonly key: string;
  readonly position: SourcePosition;
  readonly full: boolean;
  add(event: ChangeEvent): void;
  message(): ExtractorMessage;
};

/** A chunk of serialised events, bounded by their exact length. */
class TextChunk implements OpenChunk {
  readonly key: string;
  position: SourcePosition;
  readonly #source: ChangeChunkSource;
  readonly #events: string[] = [];
  #bytes = 0;

  constructor(key: string, first: ChangeEvent) {
    this.key = key;
    this.position = first.source.position;
    const { connector, name, db, schema, table } = first.source;
    this.#source = { connector, name, db, schema, table };
    this.add(first);
  }

  get full(): boolean {
    return this.#events.length >= CHUNK_MAX_EVENTS || this.#bytes >= CHUNK_MAX_BYTES;
  }

  add(event: ChangeEvent): void {
    const json = serializeChunkEvent(event);
    this.#events.push(json);
    this.#bytes += json.length;
    this.position = event.source.position;
  }

  message(): ExtractorMessage {
    return { key: this.key, value: serializeChangeChunk(this.#source, this.#events) };
  }
}

/** A chunk of event objects for the in-process bus; its text is made only if `value` is read. */
class LocalChunk implements OpenChunk {
  readonly key: string;
  position: SourcePosition;
  readonly #local: LocalChangeChunk;

  constructor(key: string, first: ChangeEvent) {
    this.key = key;
    this.position = first.source.position;
    this.#local = new LocalChangeChunk(first);
  }

  get full(): boolean {
    return (
      this.#local.events.length >= CHUNK_MAX_EVENTS || this.#local.sizeBytes >= CHUNK_MAX_BYTES
    );
  }

  add(event: ChangeEvent): void {
    this.#local.add(event);
    this.position = event.source.position;
  }

  message(): ExtractorMessage {
    const local = this.#local;
    return {
      key: this.key,
      local,
      get value() {
        return local.encode();
      },
    };
  }
}

/** What one topic gathered: its messages, and the position of each partition's last one. */
export type TakenMessages = Readonly<{
  messages: ExtractorMessage[];
  /** Partition → source position of the last message bound for it. */
  lastSent: ReadonlyMap<number, SourcePosition>;
}>;

export class StreamTopicMessages {
  readonly #context: StreamTopicContext;
  readonly #keyColumns: readonly string[];
  #messages: ExtractorMessage[] = [];
  /** The source position of each of `#messages` (its last event's). */
  #positions: SourcePosition[] = [];
  readonly #open = new Map<number, OpenChunk>();

  constructor(context: StreamTopicContext, keyColumns: readonly string[]) {
    this.#context = context;
    this.#keyColumns = keyColumns;
  }

  /** Adds a change event of the topic's table. */
  addEvent(event: ChangeEvent): void {
    const { position } = event.source;
    if (this.#context.mode === 'rows' || !isChunkableEvent(event)) {
      this.addMessages(eventMessages(event, this.#keyColumns), position);
      return;
    }
    for (const keyed of keyedEvents(event, this.#keyColumns)) {
      if (keyed.key === null) {
        this.addMessages(eventMessages(keyed.event, this.#keyColumns), position);
      } else this.#chunk(keyed.key, keyed.event);
    }
  }

  /** Adds messages of the event at `position` that travel alone, after every event before them. */
  addMessages(messages: readonly ExtractorMessage[], position: SourcePosition): void {
    this.#closeAll();
    for (const message of messages) {
      this.#messages.push(message);
      this.#positions.push(position);
    }
  }

  /** Everything gathered, in order per partition; the topic starts empty again. */
  take(): TakenMessages {
    this.#closeAll();
    const messages = this.#messages;
    const lastSent = this.#lastSent(messages, this.#positions);
    this.#messages = [];
    this.#positions = [];
    return { messages, lastSent };
  }

  /**
   * The position of each partition's last message: a partition's messages are in source order,
   * so the scan goes backwards and stops once every partition was found (a few keys hashed per
   * send, not one per event). A message without a key goes to a partition the bus picks in
   * turn, so it counts for every partition without a later message.
   */
  #lastSent(
    messages: readonly ExtractorMessage[],
    positions: readonly SourcePosition[],
  ): Map<number, SourcePosition> {
    const { partitions, partitionForKey } = this.#context;
    const last = new Map<number, SourcePosition>();
    for (let index = messages.length - 1; index >= 0 && last.size < partitions; index -= 1) {
      const key = messages[index]?.key ?? null;
      const position = positions[index];
      if (position === undefined) continue;
      if (key === null) {
        for (let partition = 0; partition < partitions; partition += 1) {
          if (!last.has(partition)) last.set(partition, position);
        }
        continue;
      }
      const partition = partitions > 1 ? partitionForKey(key, partitions) : 0;
      if (!last.has(partition)) last.set(partition, position);
    }
    return last;
  }

  #chunk(key: string, event: ChangeEvent): void {
    const { mode, partitions, partitionForKey } = this.#context;
    const partition = partitions > 1 ? partitionForKey(key, partitions) : 0;
    let chunk = this.#open.get(partition);
    if (chunk === undefined) {
      chunk = mode === 'local-chunks' ? new LocalChunk(key, event) : new TextChunk(key, event);
      this.#open.set(partition, chunk);
    } else chunk.add(event);
    if (chunk.full) this.#close(partition, chunk);
  }

  #closeAll(): void {
    for (const [partition, chunk] of this.#open) this.#close(partition, chunk);
  }

  #close(partition: number, chunk: OpenChunk): void {
    this.#open.delete(partition);
    this.#messages.push(chunk.message());
    this.#positions.push(chunk.position);
  }
}
