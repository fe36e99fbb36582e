/**
 * A {@link DeadLetterSink} writing to a bus topic. Each letter keeps the original message key,
 * so a key's poison messages stay in one partition in order, and carries everything needed to
 * inspect or replay it as JSON; the error code is also a header, for filtering without parsing.
 */
import { DEAD_LETTER_CODE_HEADER } from './constants.js';
import type { DeadLetter, DeadLetterSink } from './loader-ports.js';

/** The subset of a bus producer the sink uses (`BusProducer` of @database-replicator/bus). */
export interface DeadLetterProducer {
  /** Resolves once the bus has durably accepted every message. */
  send(
    topic: string,
    messages: readonly Readonly<{
      key: string | null;
      value: string | null;
      headers?: Readonly<Record<string, string>>;
    }>[],
  ): Promise<void>;
}

/**
 * The JSON value of a dead letter: where the message was read, the message itself, why it was
 * rejected, and when (`at`, ISO 8601 UTC).
 */
export type DeadLetterValue = Readonly<{
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  reason: string;
  code: string;
  at: string;
}>;

/**
 * Creates a sink sending each letter to `topic` (which must exist) through `producer`; `send`
 * resolves once the bus has accepted the letter. The producer stays owned by the caller.
 */
export function createBusDeadLetterSink(
  producer: DeadLetterProducer,
  topic: string,
): DeadLetterSink {
  return Object.freeze({
    send: async (letter: DeadLetter): Promise<void> => {
      const value: DeadLetterValue = {
        topic: letter.topic,
        partition: letter.partition,
        offset: letter.offset,
        key: letter.key,
        value: letter.value,
        reason: letter.reason,
        code: letter.code,
        at: new Date().toISOString(),
      };
      await producer.send(topic, [
        {
          key: letter.key,
          value: JSON.stringify(value),
          headers: { [DEAD_LETTER_CODE_HEADER]: letter.code },
        },
      ]);
    },
  });
}
