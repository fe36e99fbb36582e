/**
 * What the chunk suites share: a streamed change's source block, the events a bus message decodes
 * into, and the message a malformed one is refused with.
 */
import {
  decodeEventMessage,
  isReplicatorError,
  type ChangeEvent,
  type ChangeSource,
} from '@database-replicator/core';

/** A streamed change of `public.items` in database `app`. */
export const STREAM_SOURCE: ChangeSource = {
  connector: 'postgresql',
  name: 'app',
  db: 'app',
  schema: 'public',
  table: 'items',
  snapshot: 'false',
  position: { kind: 'postgres', lsn: '0/16B3748', txIndex: 0 },
  ts_ms: 1_700_000_000_000,
};

/** The events of a message that must decode as events (not a copy chunk). */
export function decodedEvents(text: string): readonly ChangeEvent[] {
  const message = decodeEventMessage(text);
  if (message.kind !== 'events') throw new Error(`decoded as ${message.kind}`);
  return message.events;
}

/** The REPL_EVENT_INVALID message `text` is refused with; throws if it is accepted. */
export function refusal(text: string): string {
  try {
    decodedEvents(text);
  } catch (error) {
    if (isReplicatorError(error, 'REPL_EVENT_INVALID')) return error.message;
    throw error;
  }
  throw new Error('accepted');
}
