/**
 * A message value of an event topic, decoded: one change event, a JSON snapshot chunk's rows as
 * events, or a copy chunk, which stays COPY text so the loader can hand it to the target as is.
 */
import { isCopyChunkMessage, parseCopyChunk, type CopyChunk } from './copy-chunk.js';
import { parseChangeEvent, parseMessageJson, type ChangeEvent } from './envelope.js';
import { isSnapshotChunkValue, parseSnapshotChunk, snapshotChunkEvents } from './snapshot-chunk.js';

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
  if (isSnapshotChunkValue(value)) {
    return { kind: 'events', events: snapshotChunkEvents(parseSnapshotChunk(value)) };
  }
  return { kind: 'events', events: [parseChangeEvent(value)] };
}
