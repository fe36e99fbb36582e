/**
 * A bus record as the loader applies it: the events it carries (one change event, a JSON
 * snapshot chunk's rows) or a copy chunk, with the bus coordinates, and the table it belongs to.
 * An in-process value (core `LocalChangeEvent`) is taken as it is; text is parsed and validated.
 */
import {
  decodeEventMessage,
  localEventMessage,
  type EventMessage,
} from '@database-replicator/core';
import type { LoaderCopyChunk, LoaderEvent, LoaderRecord } from './loader-ports.js';

/** A message and what it carries: events (one, or a JSON chunk's rows) or a copy chunk. */
export type Pending = Readonly<{
  record: LoaderRecord;
  topic: string;
  partition: number;
  content:
    | Readonly<{ kind: 'events'; events: readonly LoaderEvent[] }>
    | Readonly<{ kind: 'copy'; copy: LoaderCopyChunk }>;
}>;

/** A decoded message with the table its events name (`schema`: the schema, else the database). */
export type LoaderMessage = Readonly<{ schema: string; table: string; item: Pending }>;

/**
 * Decodes `record` of `topic[partition]`; `null` for a tombstone, `undefined` for a message that
 * carries no events (an empty chunk).
 *
 * @throws ReplicatorError `REPL_EVENT_INVALID` for text that is none of the message shapes.
 */
export function decodeLoaderMessage(
  topic: string,
  partition: number,
  record: LoaderRecord,
): LoaderMessage | null | undefined {
  const message = eventMessageOf(record);
  if (message === null) return null;
  const { offset } = record;
  if (message.kind === 'copy') {
    const { source } = message.chunk;
    const copy = { chunk: message.chunk, topic, partition, offset };
    return {
      schema: source.schema ?? source.db,
      table: source.table,
      item: { record, topic, partition, content: { kind: 'copy', copy } },
    };
  }
  const first = message.events[0];
  if (first === undefined) return undefined;
  const events = message.events.map((event) => ({ event, topic, partition, offset }));
  return {
    schema: first.source.schema ?? first.source.db,
    table: first.source.table,
    item: { record, topic, partition, content: { kind: 'events', events } },
  };
}

/** The events of an in-process value as they are, else the text parsed; `null`: a tombstone. */
function eventMessageOf(record: LoaderRecord): EventMessage | null {
  const local = localEventMessage(record.local);
  if (local !== undefined) return local;
  return record.value === null ? null : decodeEventMessage(record.value);
}
