import { replicatorError, type ReplicatorError } from '@database-replicator/core';

/** The error for a topic the bus does not have. */
export function topicNotFound(topic: string, cause?: unknown): ReplicatorError {
  return replicatorError(
    'REPL_BUS_TOPIC_NOT_FOUND',
    `Bus topic "${topic}" does not exist`,
    cause === undefined ? { details: { topic } } : { details: { topic }, cause },
  );
}

/** The error for a call on a closed bus, producer or consumer. */
export function busClosed(what: string): ReplicatorError {
  return replicatorError('REPL_BUS_CLOSED', `The ${what} is closed`);
}

/** Parses a decimal offset string; throws `REPL_BUS_COMMIT_FAILED` for anything else. */
export function parseOffset(topic: string, partition: number, offset: string): number {
  if (!/^\d+$/.test(offset) || !Number.isSafeInteger(Number(offset))) {
    throw replicatorError(
      'REPL_BUS_COMMIT_FAILED',
      `Offset "${offset}" of ${topic}[${partition}] is not a non-negative integer`,
      { details: { topic, partition, offset } },
    );
  }
  return Number(offset);
}

/** True if kafkajs (or a cause of the error) says the topic or partition is unknown to the broker. */
export function isUnknownTopicError(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if ('type' in e && e.type === 'UNKNOWN_TOPIC_OR_PARTITION') return true;
    if (
      'originalError' in e &&
      e.originalError instanceof Error &&
      isUnknownTopicError(e.originalError)
    ) {
      return true;
    }
  }
  return false;
}

/** True if kafkajs marks the error (or a cause of it) retriable: leadership moves, metadata lag. */
export function isRetriableKafkaError(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if ('retriable' in e && e.retriable === true) return true;
    if ('originalError' in e && isRetriableKafkaError(e.originalError)) return true;
  }
  return false;
}
