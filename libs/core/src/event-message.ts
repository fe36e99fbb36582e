/**
 * A message value of an event topic, decoded: one change event, a change chunk's events, a JSON
 * snapshot chunk's rows as events, or a copy chunk, which stays COPY text so the loader can hand
 * it to the target as is.
 *
 * Inside one process a change event need not become text at all: {@link LocalChangeEvent} carries
 * the event the extractor built, and the in-process bus hands that object to the loader, so it is
 * neither serialised nor parsed, validated and frozen again. Validation stays where data crosses a
 * trust boundary: anything read as text (Kafka) goes through {@link decodeEventMessage}.
 */
import {
  isChangeChunkValue,
  parseChangeChunk,
  serializeChangeChunk,
  serializeChunkEvent,
} from './change-chunk.js';
import { isCopyChunkMessage, parseCopyChunk, type CopyChunk } from './copy-chunk.js';
import {
  parseChangeEvent,
  parseMessageJson,
  serializeChangeEvent,
  type ChangeEvent,
  type ChangeSource,
} from './envelope.js';
import { isSnapshotChunkValue, parseSnapshotChunk, snapshotChunkEvents } from './snapshot-chunk.js';
import type { JsonValue } from './values.js';

/** What a message carried. */
export type EventMessage =
  | Readonly<{ kind: 'events'; events: readonly ChangeEvent[] }>
  | Readonly<{ kind: 'copy'; chunk: CopyChunk }>;

/**
 * Parses and validates a message value.
 *
 * @throws ReplicatorError `REPL_EVENT_INVALID` if `text` is not JSON or is none of the shapes.
 */
export function decodeEventMessage(text: string): EventMessage {
  if (isCopyChunkMessage(text)) return { kind: 'copy', chunk: parseCopyChunk(text) };
  const value = parseMessageJson(text);
  if (isChangeChunkValue(value)) return { kind: 'events', events: parseChangeChunk(value) };
  if (isSnapshotChunkValue(value)) {
    return { kind: 'events', events: snapshotChunkEvents(parseSnapshotChunk(value)) };
  }
  return { kind: 'events', events: [parseChangeEvent(value)] };
}

/**
 * A change event as an in-process message value (`local` of a bus message): the event as this
 * process built it, a cheap size estimate for bounded buffers, and the JSON text a bus that
 * leaves the process sends (`encode()`, computed once). Only code in this process can construct
 * one, so a consumer that receives one takes the event as it is (see {@link localEventMessage}).
 */
export class LocalChangeEvent {
  readonly event: ChangeEvent;
  #sizeBytes: number | undefined;
  #encoded: string | undefined;

  /** `event` must be what {@link parseChangeEvent} would return for its JSON text. */
  constructor(event: ChangeEvent) {
    this.event = event;
  }

  /** About the length of {@link encode}'s text, without encoding: for buffer bounds. */
  get sizeBytes(): number {
    this.#sizeBytes ??= estimateEventBytes(this.event);
    return this.#sizeBytes;
  }

  /** The event as a message value (`serializeChangeEvent`). */
  encode(): string {
    this.#encoded ??= serializeChangeEvent(this.event);
    return this.#encoded;
  }
}

/**
 * A change chunk as an in-process message value: the streamed inserts, updates and deletes of one
 * table bound for one partition, as the extractor built them (see core change-chunk.ts for the
 * text form `encode()` makes, and {@link LocalChangeEvent} for why objects). It starts with its
 * first event and grows by {@link LocalChangeChunk.add}; so does `sizeBytes`.
 */
export class LocalChangeChunk {
  readonly #source: ChangeSource;
  readonly #events: ChangeEvent[] = [];
  #sizeBytes = 0;
  #encoded: string | undefined;

  /** `first` and every event added: streamed inserts, updates and deletes of one table. */
  constructor(first: ChangeEvent) {
    this.#source = first.source;
    this.add(first);
  }

  /** The events added so far, in order. */
  get events(): readonly ChangeEvent[] {
    return this.#events;
  }

  /** About the length of {@link encode}'s text, without encoding: for buffer and chunk bounds. */
  get sizeBytes(): number {
    return this.#sizeBytes;
  }

  /** Adds a streamed insert, update or delete of the chunk's table (`isChunkableEvent`). */
  add(event: ChangeEvent): void {
    this.#events.push(event);
    this.#sizeBytes += estimateEventBytes(event);
    this.#encoded = undefined;
  }

  /** The chunk as a message value (`serializeChangeChunk`). */
  encode(): string {
    this.#encoded ??= serializeChangeChunk(this.#source, this.#events.map(serializeChunkEvent));
    return this.#encoded;
  }
}

/**
 * The events of an in-process message value; `undefined` unless it is a {@link LocalChangeEvent}
 * or a {@link LocalChangeChunk}.
 */
export function localEventMessage(local: unknown): EventMessage | undefined {
  if (local instanceof LocalChangeEvent) return { kind: 'events', events: [local.event] };
  if (local instanceof LocalChangeChunk) return { kind: 'events', events: local.events };
  return undefined;
}

/** Fixed JSON of an event besides its rows: envelope keys, source block, position. */
const EVENT_OVERHEAD_BYTES = 256;

function estimateEventBytes(event: ChangeEvent): number {
  return EVENT_OVERHEAD_BYTES + estimateRowBytes(event.before) + estimateRowBytes(event.after);
}

function estimateRowBytes(row: Readonly<Record<string, JsonValue>> | null): number {
  if (row === null) return 0;
  let bytes = 2;
  for (const name in row) bytes += name.length + 4 + estimateValueBytes(row[name] ?? null);
  return bytes;
}

function estimateValueBytes(value: JsonValue): number {
  if (typeof value === 'string') return value.length + 2;
  if (value === null || typeof value !== 'object') return 8;
  // Arrays and objects alike: their items (an array's keys are its short indexes). Walked
  // without Object.values, whose array per object was most of the cost for every streamed row.
  let bytes = 2;
  if (isJsonArray(value)) {
    for (const item of value) bytes += 8 + estimateValueBytes(item);
    return bytes;
  }
  for (const name in value) bytes += 8 + estimateValueBytes(value[name] ?? null);
  return bytes;
}

// Array.isArray does not narrow a readonly array out of a union.
function isJsonArray(value: JsonValue): value is readonly JsonValue[] {
  return Array.isArray(value);
}
